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

/**
 * Runs until SIGINT or SIGTERM, then closes `handle` and resolves to the exit
 * code: 0 after a clean close, 1 when closing failed. A second signal while
 * closing exits at once (130): the user insists.
 */
export function closeOnSignal(handle: Handle, log: Logger, program: string, stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  return new Promise<number>((done) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) {
        stderr.write(`${program}: forced exit\n`);
        process.exit(130);
      }
      stopping = true;
      log.info({ signal }, 'stopping');
      handle.close().then(
        () => done(0),
        (error: unknown) => {
          log.error({ err: error }, 'stop failed');
          done(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}
