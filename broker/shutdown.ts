import type { Duplex } from 'node:stream';
import type { Aedes, Client } from 'aedes';
import type { Logger } from '../core/logger.js';
import { suppressWill } from './wills.js';

export interface ShutdownParts {
  aedes: Aedes;
  /** Listeners to stop first, so nobody connects during shutdown. */
  listeners: Array<{ close(): Promise<void> }>;
  /** Every open client connection (as handed to `aedes.handle`). */
  connections: Set<Duplex>;
  /** Whole budget for the shutdown, ms. */
  timeoutMs: number;
  log: Logger;
}

/** Share of the budget given to clients to take what is already queued for them. */
const DRAIN_SHARE = 0.25;
/** Drain never waits longer than this, whatever the budget. */
const MAX_DRAIN_MS = 1_000;

/**
 * Stops the broker within `timeoutMs`:
 * 1. stop the listeners, and take back every client's Last Will: a planned
 *    stop is not an outage (issue 10, item 13: a restart under 500 agents
 *    published 500 "offline" wills and paged everyone);
 * 2. end every connection (output already queued is flushed, then FIN) and
 *    wait a bounded drain for peers to close;
 * 3. destroy what is left — a frozen peer would otherwise hold its queue;
 * 4. `aedes.close()`, raced against the deadline.
 * Sockets go before `aedes.close()` because closing clients that still hold
 * a large queued backlog overflowed the stack once (DESIGN, measured facts):
 * with their sockets gone, pending writes fail fast instead of cascading.
 */
export async function shutdownBroker(parts: ShutdownParts): Promise<void> {
  const { aedes, listeners, connections, log } = parts;
  const deadline = Date.now() + parts.timeoutMs;
  const listenersClosed = Promise.all(listeners.map((l) => l.close().catch((err) => log.warn({ err }, 'listener close failed'))));

  for (const conn of connections) {
    const client = (conn as Duplex & { client?: Client }).client;
    if (client) suppressWill(aedes, client);
  }
  for (const conn of connections) conn.end();
  const drainMs = Math.min(parts.timeoutMs * DRAIN_SHARE, MAX_DRAIN_MS);
  await withDeadline(allClosed(connections), drainMs);

  for (const conn of connections) conn.destroy();

  const closedInTime = await withDeadline(
    new Promise<void>((resolve) => aedes.close(() => resolve())),
    Math.max(0, deadline - Date.now()),
  );
  if (!closedInTime) log.warn({ timeoutMs: parts.timeoutMs }, 'broker close deadline reached; remaining work abandoned');
  await withDeadline(listenersClosed, Math.max(0, deadline - Date.now()));
}

/** Resolves when every connection in the set has closed. */
function allClosed(connections: Set<Duplex>): Promise<void> {
  return Promise.all(
    [...connections].map((conn) => (conn.closed ? undefined : new Promise<void>((resolve) => conn.once('close', () => resolve())))),
  ).then(() => undefined);
}

/** True if `work` settled within `ms`; false if the deadline came first. */
async function withDeadline(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
