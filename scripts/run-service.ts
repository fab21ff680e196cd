import { randomBytes } from 'node:crypto';
import { EventBus } from '../core/event-bus.js';
import type { ErrorCode } from '../core/errors.js';
import type { Handle } from '../core/lifecycle.js';
import { createRateLimitedLog, type Logger } from '../core/logger.js';
import type { BoxSigner } from '../core/signing.js';
import type { Clock } from '../core/time.js';
import type { EventLog, NewEvent } from '../events/event-log.js';
import type { IngestHandle } from '../ingest/types.js';
import { isHostId } from '../protocol/host-id.js';
import { encodePayload, PROTOCOL_VERSION } from '../protocol/payloads.js';
import { checkScriptArgs } from '../protocol/script-args.js';
import { SCRIPT_LIMITS, type RunEventPayload, type RunGrant, type ScriptArgs } from '../protocol/schemas/script.js';
import type { Topics } from '../protocol/topics.js';
import { allowedOn, type ScriptAccess, type ScriptUser } from './access.js';
import type { RunQuery, RunStore } from './run-store.js';
import type { ScriptStore } from './store.js';
import { isTerminal, type RunSummary, type RunTrigger, type RunView, type ScriptEvents } from './types.js';

/**
 * Runs actions on agents (issue 14): the one way a run starts, from the API
 * (an operator's click) or from an alert rule (automatic actions).
 *
 * start() checks everything it can before anything leaves the server — the
 * caller's role and access to the host, that the script is an enabled action
 * allowed there, the arguments (protocol/script-args.ts, the same check the
 * agent applies), that the host is online — then signs a RunGrant bound to
 * that host, script version and sha256, valid 60 s, with a fresh nonce, and
 * publishes it on `<prefix>/<host>/run/req/<id>`. The agent answers on
 * `run/res/<id>` (the ingest hands the events over, ingest/run-events.ts).
 *
 * A run goes pending → running → done, or → refused (by the agent, with its
 * reason) or → lost (no answer within the script's timeout + lostGraceMs).
 * Every change is saved (scripts.db), emitted as `script.run` (output chunks
 * as `script.run.output`), and every run's end and every refusal goes to the
 * event log.
 */

export interface RunStartRequest {
  script: string;
  host: string;
  args: ScriptArgs;
  /** Who asked: a user name, or `rule:<rule id>` for an automatic run (shown in the event log and the agent's log). */
  by: string;
  trigger: RunTrigger;
  /** The alert rule of an automatic run. */
  rule?: string;
  /**
   * The signed-in user who asks (the API): their role and access to the host
   * are checked. Left out for a rule's run, which its rule authorises.
   */
  user?: ScriptUser;
  /** The caller's address, for the event log. */
  address?: string;
}

/**
 * The outcome of start(): the run (pending), or why it was refused before
 * anything was sent. Assignable to core/result.ts Result<RunView>; `code` is
 * the error catalogue's (its HTTP status), `field` the wrong one (`args.size`).
 */
export type RunStartResult = { ok: true; value: RunView } | { ok: false; error: string; code: ErrorCode; field?: string };

export interface RunService extends Handle {
  /** Validates and sends one run; never throws. */
  start(req: RunStartRequest): RunStartResult;
  /** Settles when the run is done, refused or lost (at once when it already is); rejects for an unknown id. */
  wait(id: string): Promise<RunView>;
  get(id: string): RunView | null;
  /** Runs newest first. */
  list(q?: RunQuery): RunView[];
  /** `script.run` (every change of state, without output) and `script.run.output`. */
  readonly bus: EventBus<ScriptEvents>;
}

export interface RunServiceDeps {
  store: Pick<ScriptStore, 'get'> & { runs: RunStore };
  access: Pick<ScriptAccess, 'canRun' | 'groupsOf'>;
  ingest: Pick<IngestHandle, 'publish' | 'getHost' | 'bus'>;
  signer: BoxSigner;
  topics: Topics;
  events: Pick<EventLog, 'append'>;
  clock: Clock;
  log: Logger;
  /** How long past the script's timeout a run waits for its agent before it is lost, ms (default 15,000). */
  lostGraceMs?: number;
}

/** Default wait past a script's timeout before a run is lost. */
export const LOST_GRACE_MS = 15_000;

interface Active {
  run: RunView;
  /** Bytes of output kept so far. */
  bytes: number;
  lastSeq: number;
  timer: NodeJS.Timeout;
  waiters: Array<(run: RunView) => void>;
}

const summaryOf = (run: RunView): RunSummary => {
  const { output: _output, ...rest } = run;
  return rest;
};

/** `service=nginx.service, mode=restart`: arguments as the event log shows them. */
const argsText = (args: ScriptArgs): string => Object.entries(args).map(([k, v]) => `${k}=${String(v)}`).join(', ');

export function startRunService(deps: RunServiceDeps): RunService {
  const { store, ingest, topics, clock, log } = deps;
  const bus = new EventBus<ScriptEvents>(log);
  const warn = createRateLimitedLog(log, 60_000);
  const graceMs = deps.lostGraceMs ?? LOST_GRACE_MS;
  const active = new Map<string, Active>();
  let closed = false;

  const audit = (event: NewEvent): void => {
    try {
      deps.events.append(event);
    } catch (error) {
      log.error({ err: error, type: event.type }, 'event log write failed');
    }
  };

  const refuse = (req: RunStartRequest, code: ErrorCode, message: string, field?: string): RunStartResult => {
    audit({
      type: 'script.run_refused', host: isHostId(String(req.host)) ? req.host : null, user: req.by, address: req.address ?? null,
      message: `Run of ${String(req.script).slice(0, 64)} on ${String(req.host).slice(0, 64)} by ${req.by} refused: ${message}`,
      data: { script: String(req.script).slice(0, 64), host: String(req.host).slice(0, 64), by: req.by, trigger: req.trigger, ...(req.rule ? { rule: req.rule } : {}), code, reason: 'server', message, ...(field ? { field } : {}) },
    });
    return { ok: false, error: message, code, ...(field ? { field } : {}) };
  };

  const save = (run: RunView): void => {
    try {
      store.runs.save(run);
    } catch (error) {
      log.error({ err: error, run: run.id }, 'run not saved');
    }
  };

  const publishState = (entry: Active): void => {
    save(entry.run);
    bus.emit('script.run', summaryOf(entry.run));
  };

  /** Ends a run: saved, emitted, written to the event log, waiters settled. */
  const finish = (entry: Active): void => {
    clearTimeout(entry.timer);
    active.delete(entry.run.id);
    publishState(entry);
    logEnd(entry.run);
    const done = structuredClone(entry.run);
    for (const settle of entry.waiters) settle(done);
  };

  const logEnd = (run: RunView): void => {
    const what = `${run.script}@${run.version} on ${run.host} by ${run.by}${run.args && Object.keys(run.args).length ? ` (${argsText(run.args)})` : ''}`;
    const result =
      run.state === 'done'
        ? run.timedOut ? `timed out after ${run.duration ?? '?'} s` : run.exit === null ? `killed by ${run.signal ?? 'a signal'}` : `exit ${run.exit} in ${run.duration ?? '?'} s`
        : run.state === 'refused' ? `refused by the agent: ${run.refusal?.message ?? ''}` : `lost: ${run.refusal?.message ?? 'no answer from the agent'}`;
    audit({
      type: run.state === 'refused' ? 'script.run_refused' : 'script.run',
      host: run.host,
      user: run.trigger === 'manual' ? run.by : null,
      message: `Run ${what}: ${result}`,
      data: {
        run: run.id, script: run.script, version: run.version, host: run.host, args: run.args, by: run.by, trigger: run.trigger, ...(run.rule ? { rule: run.rule } : {}),
        state: run.state, exit: run.exit, signal: run.signal, timedOut: run.timedOut, duration: run.duration, dropped: run.dropped,
        ...(run.refusal ? { reason: run.refusal.reason, refusal: run.refusal.message } : {}),
      },
    });
  };

  const lose = (entry: Active, message: string): void => {
    if (isTerminal(entry.run.state)) return;
    entry.run.state = 'lost';
    entry.run.finishedAt = clock.now();
    entry.run.refusal = { reason: 'server', message };
    finish(entry);
  };

  // Runs a previous process left unfinished: their answers went to nobody.
  for (const run of store.runs.unfinished()) {
    const lost: RunView = { ...run, state: 'lost', finishedAt: clock.now(), refusal: { reason: 'server', message: 'the server stopped before the run ended' } };
    save(lost);
    logEnd(lost);
  }

  const start = (req: RunStartRequest): RunStartResult => {
    if (closed) return refuse(req, 'VIGIE_ERR_UNAVAILABLE', 'the server is stopping');
    if (req.user && req.user.role === 'viewer') return refuse(req, 'VIGIE_ERR_FORBIDDEN', 'viewers cannot run actions: ask an operator');
    if (typeof req.host !== 'string' || !isHostId(req.host)) return refuse(req, 'VIGIE_ERR_BAD_HOST_ID', `host: "${String(req.host).slice(0, 64)}" is not a host id`, 'host');
    // A host the caller does not see is "not found", as everywhere else.
    if (req.user && !deps.access.canRun(req.user, req.host)) return refuse(req, 'VIGIE_ERR_HOST_NOT_FOUND', `No host "${req.host}"`, 'host');
    const script = typeof req.script === 'string' ? store.get(req.script) : null;
    if (!script) return refuse(req, 'VIGIE_ERR_NOT_FOUND', `No script with id ${String(req.script).slice(0, 64)}`, 'script');
    if (script.kind !== 'action') return refuse(req, 'VIGIE_ERR_CONFLICT', `${script.id} is a check, not an action: checks run on their interval`, 'script');
    if (!script.enabled) return refuse(req, 'VIGIE_ERR_CONFLICT', `${script.id} is disabled: an admin enables it in the script library`, 'script');
    if (!allowedOn(script, req.host, deps.access.groupsOf(req.host))) {
      return refuse(req, 'VIGIE_ERR_CONFLICT', `${script.id} may not run on ${req.host}: add the host or one of its groups to the script's hosts or groups`, 'host');
    }
    const args = checkScriptArgs(script.params, req.args);
    if (!args.ok) return refuse(req, 'VIGIE_ERR_BAD_REQUEST', args.message, args.field);
    const seen = ingest.getHost(req.host);
    if (seen?.presence !== 'online') return refuse(req, 'VIGIE_ERR_HOST_OFFLINE', `${req.host} is offline: its agent cannot run anything now`);

    const now = clock.now();
    // 16 and 24 characters of [A-Za-z0-9_-]: a topic level, and the grant's patterns.
    const id = randomBytes(12).toString('base64url');
    const grant: RunGrant = {
      type: 'vigie.run', host: req.host, id, script: script.id, version: script.version, sha256: script.sha256,
      args: req.args ?? {}, iat: now, exp: now + SCRIPT_LIMITS.grantMs, nonce: randomBytes(18).toString('base64url'), by: req.by.slice(0, 128),
    };
    const run: RunView = {
      id, script: script.id, version: script.version, host: req.host, args: grant.args, by: req.by, trigger: req.trigger,
      ...(req.rule !== undefined ? { rule: req.rule } : {}),
      state: 'pending', exit: null, signal: null, timedOut: false, duration: null, output: '', dropped: 0, startedAt: now, finishedAt: null,
    };
    // Lost at the deadline by the clock the run is stamped with: a timer may fire a millisecond
    // before that clock has moved on as far, so it is armed again for what is left.
    const deadline = now + script.timeout * 1000 + graceMs;
    const arm = (ms: number): NodeJS.Timeout => {
      const timer = setTimeout(() => {
        const left = deadline - clock.now();
        if (left > 0) entry.timer = arm(left);
        else lose(entry, `no answer from ${req.host} within ${script.timeout} s + ${Math.round(graceMs / 1000)} s`);
      }, ms);
      timer.unref();
      return timer;
    };
    const entry: Active = { run, bytes: 0, lastSeq: -1, waiters: [], timer: arm(deadline - now) };
    active.set(id, entry);
    publishState(entry);
    const payload = encodePayload('runRequest', { v: PROTOCOL_VERSION, grant: deps.signer.sign(grant) });
    ingest.publish(topics.runRequest(req.host, id), payload, false).catch((error: unknown) => {
      lose(entry, `the request could not be sent: ${error instanceof Error ? error.message : String(error)}`);
    });
    log.info({ run: id, script: script.id, version: script.version, host: req.host, by: req.by, trigger: req.trigger }, 'run requested');
    return { ok: true, value: structuredClone(run) };
  };

  const onEvent = (host: string, id: string, event: RunEventPayload): void => {
    const entry = active.get(id);
    if (!entry) return; // late (lost already), another server's, or made up
    if (entry.run.host !== host || event.id !== id) {
      warn(`foreign:${host}`, 'run event from a host that was not asked ignored', { asked: entry.run.host, from: host, run: id });
      return;
    }
    // QoS 1 may deliver twice: each seq once.
    if (event.seq <= entry.lastSeq) return;
    entry.lastSeq = event.seq;
    const { run } = entry;
    switch (event.event) {
      case 'accepted':
        if (run.state === 'pending') {
          run.state = 'running';
          publishState(entry);
        }
        return;
      case 'refused':
        run.state = 'refused';
        run.refusal = { reason: event.reason, message: event.message };
        run.finishedAt = clock.now();
        finish(entry);
        return;
      case 'output': {
        if (run.state === 'pending') {
          run.state = 'running';
          publishState(entry);
        }
        const size = Buffer.byteLength(event.chunk, 'utf8');
        const room = SCRIPT_LIMITS.outputBytes - entry.bytes;
        // The agent caps its output too; this holds whatever it sends.
        if (room <= 0) {
          run.dropped += size;
          return;
        }
        const kept = size <= room ? event.chunk : Buffer.from(event.chunk, 'utf8').subarray(0, room).toString('utf8').replace(/\uFFFD$/, '');
        const keptBytes = Buffer.byteLength(kept, 'utf8');
        run.output += kept;
        entry.bytes += keptBytes;
        run.dropped += size - keptBytes;
        bus.emit('script.run.output', { id, host, seq: event.seq, stream: event.stream, chunk: kept });
        return;
      }
      case 'done':
        run.state = 'done';
        run.exit = event.exit;
        run.signal = event.signal;
        run.timedOut = event.timedOut;
        run.duration = event.duration;
        run.dropped += event.dropped;
        run.finishedAt = clock.now();
        finish(entry);
        return;
    }
  };

  const stopBus = ingest.bus.on('scripts', 'run', (e) => onEvent(e.host, e.id, e.event));

  return {
    bus,
    start,
    get: (id) => {
      const entry = active.get(id);
      return entry ? structuredClone(entry.run) : store.runs.get(id);
    },
    list: (q = {}) => {
      // Active runs are saved at each change of state; their output so far is in memory.
      return store.runs.list(q).map((r) => (active.has(r.id) ? structuredClone(active.get(r.id)!.run) : r));
    },
    wait: (id) => {
      const entry = active.get(id);
      if (entry) return new Promise((resolve) => entry.waiters.push(resolve));
      const stored = store.runs.get(id);
      if (!stored) return Promise.reject(new Error(`no run ${id}`));
      return Promise.resolve(stored);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      stopBus();
      for (const entry of [...active.values()]) lose(entry, 'the server stopped before the run ended');
    },
  };
}
