import { onceClose, type Handle } from '../../core/lifecycle.js';
import { VigieError, type ErrorCode } from '../../core/errors.js';
import { createRateLimitedLog, type Logger } from '../../core/logger.js';
import type { Clock } from '../../core/time.js';
import {
  COMMAND_ID_PATTERN, decodePayload, encodePayload, MAX_PAYLOAD_BYTES, PROTOCOL_VERSION,
  type CommandAction, type CommandData, type CommandRequestPayload, type CommandResponsePayload,
} from '../../protocol/payloads.js';
import { systemdUnavailable } from '../services/systemd.js';
import { diskUsage } from './du.js';
import { serviceLog } from './service-log.js';
import { top } from './top.js';

export interface DiagnosticsOptions {
  clock: Clock;
  log: Logger;
  /** Mount points the agent reports in its metrics `disks`: `du` walks only these. */
  mounts(): readonly string[];
  /** Services the agent reports on its `services` topic, or null when it publishes none. */
  services(): readonly string[] | null;
  /** Sends an answer on `cmd/res/<id>` (QoS 1, not retained). */
  respond(id: string, payload: CommandResponsePayload): void;
  /** Longest `du` walk in ms, whatever the request's timeout (default 5000). */
  duBudgetMs?: number;
  /** ms between the two readings of `top` (default 500). */
  topIntervalMs?: number;
  /** Why the journal cannot be read; default: asks systemd once (agent/services/systemd.ts). */
  journalUnavailable?: () => Promise<string | null>;
  /** Requests that may wait while one runs; more are answered "busy" (default 4). */
  maxWaiting?: number;
}

export interface DiagnosticsStats {
  /** Requests answered ok. */
  answered: number;
  /** Requests answered with an error (invalid, busy, timed out, failed). */
  failed: number;
  /** Requests waiting now for the one running to finish. */
  waiting: number;
  /** Messages that could not be answered at all (no readable id). */
  ignored: number;
}

export interface Diagnostics extends Handle {
  /** Handles one request from `cmd/req/<id>`. Never throws, whatever the payload. */
  handle(id: string, payload: Uint8Array): void;
  stats(): DiagnosticsStats;
}

/** Time kept from the request's timeout to publish the answer before the requester gives up. */
const ANSWER_MARGIN_MS = 200;
const CLOSE_DEADLINE_MS = 2000;
/**
 * Waiting requests: two alerts firing together (CPU and memory on one host)
 * each ask for a diagnosis (issue 11); a few wait their turn, a flood does not.
 */
export const DEFAULT_MAX_WAITING = 4;

/** One accepted request, from its arrival to its one answer. */
interface Job {
  id: string;
  req: CommandRequestPayload;
  /** performance.now() past which it is answered "timed out", waiting or running. */
  deadline: number;
  controller: AbortController;
  timer: NodeJS.Timeout | undefined;
  answered: boolean;
}

/** The action named in a payload that failed validation, if it can be read, for the error answer. */
function readableAction(payload: Uint8Array): string {
  try {
    const action = (JSON.parse(Buffer.from(payload).toString('utf8')) as { action?: unknown }).action;
    return typeof action === 'string' && action.length > 0 && action.length <= 32 ? action : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Answers read-only diagnosis requests, one at a time in arrival order: a
 * request arriving while another runs waits (up to `maxWaiting` of them;
 * past that it is answered VIGIE_ERR_UNAVAILABLE "busy"). Each request's
 * `timeout` counts from its arrival, waiting included: when it passes, the
 * request is answered VIGIE_ERR_UNAVAILABLE "timed out" (and aborted if it
 * runs). An invalid one is answered VIGIE_ERR_BAD_REQUEST naming the field.
 * Nothing in a request is run: the actions are fixed, `du` walks only a
 * mount the agent reports and `service-log` reads only a service it reports.
 */
export function startDiagnostics(opts: DiagnosticsOptions): Diagnostics {
  const { clock, log } = opts;
  const maxWaiting = opts.maxWaiting ?? DEFAULT_MAX_WAITING;
  const warn = createRateLimitedLog(log, 60_000);
  const stats = { answered: 0, failed: 0, ignored: 0 };
  const waiting: Job[] = [];
  let running: { job: Job; done: Promise<void> } | undefined;
  let closed = false;
  let journal: Promise<string | null> | undefined;
  const journalUnavailable = (): Promise<string | null> => (journal ??= (opts.journalUnavailable ?? systemdUnavailable)());

  const send = (id: string, action: string, result: { data: unknown } | { code: ErrorCode; message: string }): void => {
    const head = { v: PROTOCOL_VERSION, ts: Math.round(clock.now()), id };
    let payload = ('data' in result
      ? { ...head, action, ok: true, data: result.data }
      : { ...head, action, ok: false, error: { code: result.code, message: result.message.slice(0, 512) } }) as CommandResponsePayload;
    if ('data' in result) payload = fitPayload(payload);
    if (payload.ok) stats.answered += 1;
    else stats.failed += 1;
    if (closed) return;
    opts.respond(id, payload);
  };
  const refuse = (id: string, action: string, code: ErrorCode, message: string): void => {
    if (code === 'VIGIE_ERR_BAD_REQUEST') warn(`invalid:${message.slice(0, 60)}`, 'invalid diagnosis request refused', { id, error: message });
    send(id, action, { code, message });
  };
  // One answer per request: the timeout answers at once, even if the action
  // is slow to notice the abort; the agent stays busy until it has.
  const answer = (job: Job, fn: () => void): void => {
    if (job.answered) return;
    job.answered = true;
    fn();
  };

  async function run(req: CommandRequestPayload, budgetMs: number, signal: AbortSignal): Promise<CommandData[CommandAction]> {
    switch (req.action) {
      case 'top':
        return top({ limit: req.args.limit ?? 10, intervalMs: Math.min(opts.topIntervalMs ?? 500, budgetMs / 2), signal });
      case 'du': {
        const mount = checkMount(req.args.mount, opts.mounts());
        return diskUsage({ mount, depth: req.args.depth ?? 1, limit: req.args.limit ?? 10, budgetMs: Math.min(opts.duBudgetMs ?? 5000, budgetMs), signal });
      }
      case 'service-log': {
        const service = checkService(req.args.service, opts.services());
        return serviceLog({ service, lines: req.args.lines ?? 20, journalUnavailable: await journalUnavailable(), timeoutMs: budgetMs, signal });
      }
    }
  }

  /** Starts the oldest waiting request when none runs. */
  function next(): void {
    if (running || closed) return;
    const job = waiting.shift();
    if (!job) return;
    const { id, req, controller } = job;
    // The time left from its arrival, so a request that waited still answers before its requester gives up.
    const budgetMs = Math.max(0, Math.floor(job.deadline - performance.now() - ANSWER_MARGIN_MS));
    const done = run(req, budgetMs, controller.signal)
      .then((data) => answer(job, () => send(id, req.action, { data })))
      .catch((error: unknown) => answer(job, () => {
        const e = controller.signal.aborted ? controller.signal.reason : error;
        if (e instanceof VigieError) return refuse(id, req.action, e.code, e.message);
        log.warn({ err: e, action: req.action }, 'diagnosis failed');
        refuse(id, req.action, 'VIGIE_ERR_INTERNAL', e instanceof Error ? e.message : String(e));
      }))
      .finally(() => {
        clearTimeout(job.timer);
        running = undefined;
        next();
      });
    running = { job, done };
  }

  function admit(id: string, req: CommandRequestPayload): void {
    if (running && waiting.length >= maxWaiting) {
      return refuse(id, req.action, 'VIGIE_ERR_UNAVAILABLE', `busy: ${waiting.length + 1} diagnoses are already running or waiting on this agent; retry later`);
    }
    const timeoutMs = req.timeout * 1000;
    const job: Job = { id, req, deadline: performance.now() + timeoutMs, controller: new AbortController(), timer: undefined, answered: false };
    job.timer = setTimeout(() => {
      const queued = waiting.indexOf(job);
      if (queued >= 0) waiting.splice(queued, 1);
      job.controller.abort(new VigieError('VIGIE_ERR_UNAVAILABLE', `timed out after ${req.timeout} s`));
      const why = queued >= 0 ? `timed out after ${req.timeout} s waiting for other diagnoses on this agent` : `timed out after ${req.timeout} s`;
      answer(job, () => refuse(id, req.action, 'VIGIE_ERR_UNAVAILABLE', why));
    }, timeoutMs);
    waiting.push(job);
    next();
  }

  function handle(id: string, payload: Uint8Array): void {
    try {
      if (closed) return;
      if (!COMMAND_ID_PATTERN.test(id)) {
        stats.ignored += 1;
        warn('bad-id', 'diagnosis request with an unusable id ignored', { id: id.slice(0, 80) });
        return;
      }
      const decoded = decodePayload('commandRequest', payload);
      if (!decoded.ok) return refuse(id, readableAction(payload), 'VIGIE_ERR_BAD_REQUEST', decoded.error);
      const req = decoded.value;
      if (req.id !== id) return refuse(id, req.action, 'VIGIE_ERR_BAD_REQUEST', `commandRequest.id: "${req.id}" differs from the topic's id "${id}"`);
      admit(id, req);
    } catch (error) {
      stats.ignored += 1;
      warn('handler-failed', 'diagnosis request handling failed', { err: error });
    }
  }

  return {
    handle,
    stats: () => ({ ...stats, waiting: waiting.length }),
    close: onceClose(async () => {
      closed = true;
      for (const job of waiting.splice(0)) clearTimeout(job.timer);
      const current = running;
      if (!current) return;
      current.job.controller.abort(new VigieError('VIGIE_ERR_UNAVAILABLE', 'agent stopping'));
      // Every action honours the abort; the deadline only guards against one that does not.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([current.done, new Promise((r) => { timer = setTimeout(r, CLOSE_DEADLINE_MS); })]);
      clearTimeout(timer);
    }),
  };
}

/** `du` only walks a mount the agent reports, named exactly as reported. */
export function checkMount(mount: string, reported: readonly string[]): string {
  if (mount.includes('\u0000') || mount.split(/[\\/]/).includes('..')) throw new VigieError('VIGIE_ERR_BAD_REQUEST', 'commandRequest.args.mount: must not contain ".." or NUL');
  if (!reported.includes(mount)) {
    const list = reported.length > 0 ? reported.slice(0, 10).join(', ') : 'none yet';
    throw new VigieError('VIGIE_ERR_BAD_REQUEST', `commandRequest.args.mount: "${mount.slice(0, 128)}" is not a mount this agent reports (${list})`.slice(0, 512));
  }
  return mount;
}

/**
 * `service-log` only reads a service the agent reports (`nginx` finds
 * `nginx.service`); the name used is the reported one, not the requester's.
 * With no services list (no service manager), the schema's strict name
 * pattern is what holds.
 */
export function checkService(service: string, reported: readonly string[] | null): string {
  if (reported === null) return service;
  const found = reported.find((s) => s === service || s === `${service}.service`);
  if (!found) throw new VigieError('VIGIE_ERR_BAD_REQUEST', `commandRequest.args.service: "${service.slice(0, 128)}" is not a service this agent reports`);
  return found;
}

/**
 * Keeps an answer under the payload limit: long paths or log lines full of
 * multi-byte characters could pass it. Drops the smallest directories, the
 * oldest log lines or the last processes until it fits.
 */
export function fitPayload(payload: CommandResponsePayload): CommandResponsePayload {
  const size = (p: CommandResponsePayload): number => Buffer.byteLength(encodePayload('commandResponse', p));
  if (!payload.ok || size(payload) <= MAX_PAYLOAD_BYTES) return payload;
  const p = structuredClone(payload);
  while (size(p) > MAX_PAYLOAD_BYTES) {
    if (p.action === 'du' && p.data.entries.length > 0) {
      p.data.entries.pop();
      p.data.truncated = true;
    } else if (p.action === 'service-log' && p.data.lines.length > 0) p.data.lines.shift();
    else if (p.action === 'top' && (p.data.byCpu.length > 0 || p.data.byMem.length > 0)) {
      p.data.byCpu.pop();
      p.data.byMem.pop();
    } else break;
  }
  return p;
}
