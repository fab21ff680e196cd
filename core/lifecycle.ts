import type { Logger } from './logger.js';

/** Every long-lived part returns a handle whose close() is idempotent (STYLE §6). */
export interface Handle {
  close(): Promise<void>;
}

/** Wraps a close function so that calling it twice closes once. */
export function onceClose(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
}

export interface Part<H extends Handle = Handle> {
  name: string;
  start: () => Promise<H>;
}

/**
 * Starts parts in order; if one fails, logs it by name, closes those already
 * started in reverse order and rethrows. The returned handle closes them all
 * in reverse order, logging (not throwing) a part that fails to close.
 */
export async function startInOrder(parts: Part[], log: Logger): Promise<Handle> {
  const started: Array<{ name: string; handle: Handle }> = [];
  const closeAll = onceClose(async () => {
    for (const { name, handle } of started.reverse()) {
      try {
        await handle.close();
        log.debug({ part: name }, 'closed');
      } catch (error) {
        log.error({ err: error, part: name }, 'failed to close');
      }
    }
  });
  for (const part of parts) {
    try {
      started.push({ name: part.name, handle: await part.start() });
      log.debug({ part: part.name }, 'started');
    } catch (error) {
      log.error({ err: error, part: part.name }, 'failed to start');
      await closeAll();
      throw error;
    }
  }
  return { close: closeAll };
}
