import type { Logger } from './logger.js';

/**
 * A typed event bus for fan-out only (STYLE §8). Every listener is wrapped so
 * that one failing listener is logged with its owner and never breaks the
 * others or the emitter.
 */
export class EventBus<Events extends { [K in keyof Events]: unknown }> {
  private readonly listeners = new Map<keyof Events, Array<{ owner: string; cb: (payload: never) => void }>>();

  constructor(private readonly log: Logger) {}

  on<K extends keyof Events>(owner: string, event: K, cb: (payload: Events[K]) => void): () => void {
    const list = this.listeners.get(event) ?? [];
    const entry = { owner, cb: cb as (payload: never) => void };
    list.push(entry);
    this.listeners.set(event, list);
    return () => {
      const current = this.listeners.get(event);
      if (current) this.listeners.set(event, current.filter((e) => e !== entry));
    };
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    for (const { owner, cb } of this.listeners.get(event) ?? []) {
      try {
        (cb as (p: Events[K]) => void)(payload);
      } catch (error) {
        this.log.error({ err: error, owner, event: String(event) }, 'event listener failed');
      }
    }
  }

  /** Removes every listener registered by `owner`. */
  off(owner: string): void {
    for (const [event, list] of this.listeners) this.listeners.set(event, list.filter((e) => e.owner !== owner));
  }
}
