import type { Client } from 'aedes';

interface Binding {
  /** The username that owns the id (`''` for anonymous lab-mode clients). */
  owner: string;
  /** The newest client admitted with this id. */
  client: Client;
  /** The session outlives the connection (clean=false): the id stays bound while the client is away. */
  persistent: boolean;
}

/**
 * Binds each client id in use to the identity that holds it: a live
 * connection, or a persistent session (clean=false) even while its client is
 * away, since reconnecting with that id hands over its subscriptions and
 * queued messages. Another identity asking for a bound id is refused
 * (CONNACK 2) before Aedes touches anything: in Aedes 1.x the takeover of the
 * live client, the wipe of a session's subscriptions (clean=true) and the
 * replacement of its Last Will all happen after `authenticate`, so refusing
 * there leaves the owner connected with its session and queue untouched.
 * The same identity may take its own id over, as MQTT intends [MQTT-3.1.4-2].
 *
 * Bindings of persistent sessions live as long as the broker's in-memory
 * sessions do; the map holds one entry per id in use, and ids are limited
 * per identity (broker/client-id.ts), so it cannot be grown at will.
 */
export class SessionOwners {
  private readonly bindings = new Map<string, Binding>();

  /** The username holding `id`, if another than `owner`; null when `owner` may use it. */
  heldByOther(id: string, owner: string): string | null {
    const binding = this.bindings.get(id);
    if (!binding || binding.owner === owner) return null;
    // A clean session ends with its connection; a connection that closed
    // before Aedes registered it never reports a disconnect, hence this check.
    if (!binding.persistent && binding.client.closed) {
      this.bindings.delete(id);
      return null;
    }
    return binding.owner;
  }

  /** Records that `client` (already authenticated as `owner`) now holds its id. */
  bind(client: Client, owner: string): void {
    this.bindings.set(client.id, { owner, client, persistent: client.clean === false });
  }

  /** A client went away: its id is free again unless a newer connection took it or its session persists. */
  release(client: Client): void {
    const binding = this.bindings.get(client.id);
    if (!binding || binding.client !== client || binding.persistent) return;
    this.bindings.delete(client.id);
  }

  /** Ids currently bound (for stats and tests). */
  get size(): number {
    return this.bindings.size;
  }
}
