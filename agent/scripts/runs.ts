import type { Clock } from '../../core/time.js';
import { decodePayload, PROTOCOL_VERSION } from '../../protocol/payloads.js';
import { SCRIPT_LIMITS, type RunEventPayload, type ScriptBundle } from '../../protocol/schemas/script.js';
import { prepareLaunch, type LaunchContext } from './launch.js';
import type { ScriptPolicy } from './policy.js';
import { runScript } from './runner.js';
import type { Refusal, ScriptVerifier } from './verify.js';

/** Output is sent in chunks at most this often while a run writes (one message per line would flood the broker). */
const FLUSH_MS = 100;

/** A run event without the envelope every event shares. */
type EventBody = RunEventPayload extends infer E ? (E extends RunEventPayload ? Omit<E, 'v' | 'ts' | 'id' | 'seq'> : never) : never;

export interface RunHandlerOptions {
  host: string;
  verifier: ScriptVerifier;
  policy: ScriptPolicy;
  /** The bundle accepted last (null: none yet): a grant runs only a script it holds, same version and sha256. */
  bundle(): ScriptBundle | null;
  launch: LaunchContext;
  /** Runs at once at most; past it a request is refused as `busy`. */
  concurrency: number;
  /** Publishes one event on `<prefix>/<host>/run/res/<id>` (QoS 1, not retained). */
  publish(id: string, event: RunEventPayload): void;
  clock: Clock;
  /** Logs a refusal or a run (who asked is in the grant's `by`). */
  log(level: 'info' | 'warn', fields: Record<string, unknown>, message: string): void;
}

export interface RunHandler {
  /** A message on `run/req/<id>`. */
  handle(id: string, payload: Buffer): void;
  running(): number;
  /** Kills the runs in progress and waits for their `done`. */
  close(): Promise<void>;
}

/**
 * Answers run requests (issue 14): every check in the order a reader would
 * ask them, each failure a `refused` event with its reason and what to
 * change; then `accepted`, output chunks, `done`. Nothing here throws at
 * the caller: a bad request is answered, never fatal.
 */
export function createRunHandler(opts: RunHandlerOptions): RunHandler {
  const active = new Map<string, { abort: AbortController; done: Promise<void> }>();
  let closed = false;

  const emitter = (id: string) => {
    let seq = 0;
    return (body: EventBody): void => {
      opts.publish(id, { v: PROTOCOL_VERSION, ts: opts.clock.now(), id, seq: seq++, ...body } as RunEventPayload);
    };
  };

  const refuse = (id: string, refusal: Refusal, extra: Record<string, unknown> = {}): void => {
    opts.log('warn', { run: id, reason: refusal.reason, ...extra }, `run refused: ${refusal.message}`);
    emitter(id)({ event: 'refused', reason: refusal.reason, message: refusal.message.slice(0, 500) });
  };

  const handle = (id: string, payload: Buffer): void => {
    if (closed) return;
    if (opts.policy.mode === 'off') {
      // Nothing would run whatever the request says: no need to read it further.
      refuse(id, opts.policy.check('action', '-')!);
      return;
    }
    const request = decodePayload('runRequest', payload);
    if (!request.ok) return refuse(id, { reason: 'bad-args', message: `not a run request: ${request.error}` });
    const verified = opts.verifier.grant(request.value.grant);
    if (!verified.ok) return refuse(id, verified.refusal);
    const grant = verified.value;
    const who = { script: grant.script, version: grant.version, by: grant.by };
    if (grant.id !== id) return refuse(id, { reason: 'bad-signature', message: `the grant was signed for request ${grant.id}, not ${id}` }, who);
    const denied = opts.policy.check('action', grant.script);
    if (denied) return refuse(id, denied, who);
    const script = opts.bundle()?.scripts.find((s) => s.id === grant.script);
    if (!script || script.version !== grant.version || script.sha256 !== grant.sha256) {
      const have = script ? `version ${script.version}` : 'no such script';
      return refuse(id, { reason: 'unknown-script', message: `${grant.script} version ${grant.version} is not in the script bundle ${opts.host} holds (${have}): wait for the box to send the new bundle, then ask again` }, who);
    }
    if (script.kind !== 'action') return refuse(id, { reason: 'unknown-script', message: `${script.id} is a check, not an action: it runs on its interval only` }, who);
    if (active.size >= opts.concurrency) {
      return refuse(id, { reason: 'busy', message: `${opts.host} already runs ${active.size} actions (agent.scriptsConcurrency): ask again when one is done` }, who);
    }
    const launch = prepareLaunch(opts.launch, script, grant.args, id);
    if (!launch.ok) return refuse(id, launch.refusal, who);
    start(id, launch.spec, who);
  };

  const start = (id: string, spec: Parameters<typeof runScript>[0], who: Record<string, unknown>): void => {
    const emit = emitter(id);
    const abort = new AbortController();
    // Output is gathered per stream and sent every FLUSH_MS or once a chunk is full.
    let pending: { stream: 'stdout' | 'stderr'; text: string } | null = null;
    let timer: NodeJS.Timeout | undefined;
    const flush = (): void => {
      clearTimeout(timer);
      timer = undefined;
      if (!pending) return;
      const { stream, text } = pending;
      pending = null;
      for (let at = 0; at < text.length; at += SCRIPT_LIMITS.chunkBytes) {
        emit({ event: 'output', stream, chunk: text.slice(at, at + SCRIPT_LIMITS.chunkBytes) });
      }
    };
    const onOutput = (stream: 'stdout' | 'stderr', text: string): void => {
      if (pending && pending.stream !== stream) flush();
      pending = pending ? { stream, text: pending.text + text } : { stream, text };
      // Characters, not bytes: the contract bounds `chunk` in characters; a full chunk goes out at once.
      if (pending.text.length >= SCRIPT_LIMITS.chunkBytes) flush();
      else timer ??= setTimeout(flush, FLUSH_MS);
    };
    opts.log('info', { run: id, ...who }, 'running action');
    emit({ event: 'accepted' });
    const done = runScript({ ...spec, signal: abort.signal, onOutput }).then((outcome) => {
      flush();
      emit({ event: 'done', exit: outcome.exit, signal: outcome.signal, timedOut: outcome.timedOut, duration: outcome.duration, dropped: outcome.dropped });
      opts.log('info', { run: id, ...who, exit: outcome.exit, signal: outcome.signal, timedOut: outcome.timedOut, dropped: outcome.dropped, ...(outcome.error ? { err: outcome.error } : {}) }, 'action done');
    }).finally(() => active.delete(id));
    active.set(id, { abort, done });
  };

  return {
    handle,
    running: () => active.size,
    async close() {
      closed = true;
      const runs = [...active.values()];
      for (const r of runs) r.abort.abort();
      await Promise.all(runs.map((r) => r.done));
    },
  };
}
