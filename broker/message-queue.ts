import mqemitter from 'mqemitter';

/** Aedes's own default for how many messages are delivered at once. */
const CONCURRENCY = 100;
/** Synchronous hand-offs allowed before the next queued message waits for the next turn of the event loop. */
const MAX_SYNC_DEPTH = 100;

type Internal = { _do(message: mqemitter.Message, callback: (error?: Error) => void): unknown };

/**
 * The message queue handed to Aedes (its `mq` option): mqemitter, as Aedes
 * would build it, except that draining its backlog cannot overflow the stack.
 * mqemitter starts the next queued message from inside the completion of the
 * previous one; when completions are synchronous — no subscriber matches,
 * e.g. while the ingest is disconnected under load or at shutdown — a backlog
 * of a few thousand messages recursed past the stack limit and crashed the
 * process (DESIGN, measured facts; reproduced by bench/pipeline at overload).
 * Past MAX_SYNC_DEPTH nested hand-offs, the next one is deferred with
 * setImmediate, which unwinds the stack.
 */
export function createMessageQueue(concurrency = CONCURRENCY): mqemitter.MQEmitter {
  const mq = mqemitter({ concurrency, matchEmptyLevels: true });
  const internal = mq as unknown as Internal;
  const original = internal._do.bind(mq);
  let depth = 0;
  internal._do = (message, callback) => {
    if (depth >= MAX_SYNC_DEPTH) {
      setImmediate(() => internal._do(message, callback));
      return mq;
    }
    depth += 1;
    try {
      return original(message, callback);
    } finally {
      depth -= 1;
    }
  };
  return mq;
}
