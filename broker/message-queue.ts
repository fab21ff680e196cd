import mqemitter from 'mqemitter';
import { Fifo } from '../core/fifo.js';

/** Aedes's own default for how many messages are delivered at once. */
const CONCURRENCY = 100;
/** Synchronous hand-offs allowed before the next queued message waits for the next turn of the event loop. */
const MAX_SYNC_DEPTH = 100;

type Callback = (error?: Error) => void;
type Internal = {
  /** Deliveries in progress, as mqemitter counts them against `concurrency`. */
  current: number;
  _doing: boolean;
  _do(message: mqemitter.Message, callback: Callback): unknown;
  _messageQueue: Fifo<mqemitter.Message>;
  _messageCallbacks: Fifo<Callback>;
};

/**
 * The message queue handed to Aedes (its `mq` option): mqemitter, as Aedes
 * would build it, with two repairs for overload: its backlog is an O(1)
 * queue (core/fifo.ts: mqemitter takes from the head of arrays with
 * Array#shift, O(n), and under overload its backlog of tens of thousands made
 * the shifts a third of the server's CPU), and draining it cannot overflow the stack.
 * mqemitter starts the next queued message from inside the completion of the
 * previous one; when completions are synchronous — no subscriber matches,
 * e.g. while the ingest is disconnected under load or at shutdown — a backlog
 * of a few thousand messages recursed past the stack limit and crashed the
 * process (DESIGN, measured facts; reproduced by bench/pipeline at overload).
 * Past MAX_SYNC_DEPTH nested hand-offs, the next one waits for the next turn
 * of the event loop, which unwinds the stack.
 *
 * A message that waits holds back every later one until it has gone: with
 * up to `concurrency` deliveries in progress, another completion would
 * otherwise hand on a newer message first. An agent's samples then reached
 * the ingest out of order, and the older one, behind a newer seq, was taken
 * for a replay and acknowledged unstored: 1,023 samples lost in the
 * 2 × capacity run of bench/pipeline --overload. And a message that waits
 * counts as in progress, as mqemitter's own `_do` counts it: otherwise a new
 * publish found a free slot and was handed on ahead of older messages still
 * in mqemitter's backlog (test/broker/message-queue: "message 300 arrived
 * after 5999").
 */
export function createMessageQueue(concurrency = CONCURRENCY): mqemitter.MQEmitter {
  const mq = mqemitter({ concurrency, matchEmptyLevels: true });
  const internal = mq as unknown as Internal;
  internal._messageQueue = new Fifo();
  internal._messageCallbacks = new Fifo();
  const original = internal._do.bind(mq);
  let depth = 0;
  const run = (message: mqemitter.Message, callback: Callback): void => {
    depth += 1;
    try {
      original(message, callback);
    } finally {
      depth -= 1;
    }
  };
  /** Hand-offs waiting for the next turn, in the order mqemitter made them. */
  const waiting = new Fifo<[mqemitter.Message, Callback]>();
  let scheduled = false;
  const drain = (): void => {
    scheduled = false;
    // Those waiting now; what they hand on meanwhile queues behind them, for the next turn.
    for (let n = waiting.length; n > 0; n--) {
      const [message, callback] = waiting.shift()!;
      internal.current -= 1; // counted when it began to wait; mqemitter's _do counts it again
      run(message, callback);
    }
    if (waiting.length > 0) schedule();
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(drain);
  };
  internal._do = (message, callback) => {
    if (depth >= MAX_SYNC_DEPTH || waiting.length > 0) {
      internal.current += 1;
      internal._doing = true;
      waiting.push([message, callback]);
      schedule();
    } else {
      run(message, callback);
    }
    return mq;
  };
  return mq;
}
