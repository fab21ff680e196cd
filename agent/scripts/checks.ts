import type { Handle } from '../../core/lifecycle.js';
import { onceClose } from '../../core/lifecycle.js';
import type { Clock } from '../../core/time.js';
import { PROTOCOL_VERSION, validatePayload, type CheckResultPayload } from '../../protocol/payloads.js';
import type { ScriptArgs, ScriptDefinition } from '../../protocol/schemas/script.js';
import { createCheckScheduler, type Timers } from '../checks/scheduler.js';
import { clip } from '../checks/types.js';
import { prepareLaunch, type LaunchContext } from './launch.js';
import { readNagios } from './nagios.js';
import { runScript, type RunOutcome } from './runner.js';
import type { Refusal } from './verify.js';

/** One script check as scheduled: the generic scheduler's spec plus what to run. */
export interface ScriptCheckJob {
  id: string;
  interval: number;
  /** The scheduler's hard deadline: the script's own timeout plus room for the runner to kill and report it. */
  timeout: number;
  script: ScriptDefinition;
  args: ScriptArgs;
}

/** Seconds the scheduler waits past a script's timeout: the runner kills at the timeout and reports it itself. */
const DEADLINE_ROOM_S = 5;

export interface ScriptChecksOptions {
  host: string;
  concurrency: number;
  launch: LaunchContext;
  publish(id: string, result: CheckResultPayload): void;
  clear(id: string): void;
  clock: Clock;
  timers?: Timers;
  random?: () => number;
}

export interface ScriptChecks extends Handle {
  /** The checks to run now (unchanged ones go on, changed ones restart); the others are stopped and their results cleared. */
  update(jobs: readonly Omit<ScriptCheckJob, 'timeout'>[]): void;
  stats(): { checks: number; running: number; queued: number; skipped: number };
}

/** A script check's result: Nagios status to up/down (up for ok and warning), the run's duration as latency. */
export function scriptCheckResult(ts: number, script: ScriptDefinition, run: RunOutcome): CheckResultPayload {
  const nagios = readNagios({ exit: run.exit, timedOut: run.timedOut, stdout: run.stdout.trim() !== '' ? run.stdout : run.stderr });
  let message = nagios.message;
  if (run.timedOut) message = `timed out after ${script.timeout} s${message ? `: ${message}` : ''}`;
  else if (run.error !== undefined) message = `could not run: ${run.error}`;
  else if (run.exit === null) message = `killed by ${run.signal ?? 'a signal'}${message ? `: ${message}` : ''}`;
  else if (run.exit > 3) message = `exit ${run.exit} is not a Nagios status (0-3)${message ? `: ${message}` : ''}`;
  else if (message === '') message = `exit ${run.exit}, no output`;
  return {
    v: PROTOCOL_VERSION,
    ts,
    kind: 'script',
    state: nagios.status === 'ok' || nagios.status === 'warning' ? 'up' : 'down',
    latency: run.duration,
    message: clip(message),
    script: {
      script: script.id,
      version: script.version,
      status: nagios.status,
      exit: run.exit,
      perfdata: nagios.perfdata,
      ...(nagios.long ? { long: clip(nagios.long, 4000) } : {}),
    },
  };
}

/** The result a refused script check publishes instead of running: down, unknown, with the reason and what to change. */
export function refusedCheckResult(ts: number, script: { id: string; version: number }, refusal: Refusal): CheckResultPayload {
  return {
    v: PROTOCOL_VERSION,
    ts,
    kind: 'script',
    state: 'down',
    latency: null,
    message: clip(refusal.message),
    script: { script: script.id, version: script.version, status: 'unknown', exit: null, perfdata: [], refused: refusal.reason },
  };
}

/**
 * Script checks on the agent's generic scheduler (agent/checks/scheduler.ts):
 * jittered intervals, a concurrency limit, a skipped tick rather than a
 * doubled run. Each run is prepared again (interpreter, arguments with their
 * real paths, body against its sha256), so what changed on the machine since
 * the bundle came is seen.
 */
export function startScriptChecks(opts: ScriptChecksOptions): ScriptChecks {
  const { clock } = opts;
  type Run = { ts: number; result: CheckResultPayload };
  const scheduler = createCheckScheduler<Run, ScriptCheckJob>({
    concurrency: opts.concurrency,
    clock,
    ...(opts.timers ? { timers: opts.timers } : {}),
    ...(opts.random ? { random: opts.random } : {}),
    async run(job, signal) {
      const ts = clock.now();
      const launch = prepareLaunch(opts.launch, job.script, job.args, `${job.id}-${ts}`);
      if (!launch.ok) return { ts, result: refusedCheckResult(ts, job.script, launch.refusal) };
      const outcome = await runScript({ ...launch.spec, signal });
      return { ts, result: scriptCheckResult(ts, job.script, outcome) };
    },
    timedOut: (job) => {
      const ts = clock.now();
      const run: RunOutcome = { exit: null, signal: 'SIGKILL', timedOut: true, duration: job.script.timeout, stdout: '', stderr: '', dropped: 0 };
      return { ts, result: scriptCheckResult(ts, job.script, run) };
    },
    complete(job, { ts, result }, wanted) {
      if (!wanted()) return;
      // A safety net, as for network checks: a result the contract refuses would be dropped by the ingest, unseen.
      const valid = validatePayload('checkResult', result);
      if (valid.ok) return opts.publish(job.id, result);
      const { refused: _none, ...script } = refusedCheckResult(ts, job.script, { reason: 'bad-args', message: '' }).script!;
      opts.publish(job.id, { v: PROTOCOL_VERSION, ts, kind: 'script', state: 'down', latency: result.latency, message: clip(`invalid result: ${valid.error}`), script });
    },
    removed: (id) => opts.clear(id),
  });
  return {
    update(jobs) {
      scheduler.update(jobs.map((j) => ({ ...j, timeout: j.script.timeout + DEADLINE_ROOM_S })));
    },
    stats: () => scheduler.stats(),
    close: onceClose(() => scheduler.close()),
  };
}
