import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { SCRIPT_LIMITS } from '../../protocol/schemas/script.js';
import type { Owner } from './store.js';

/** The only PATH a script gets: fixed, so the agent's own environment decides nothing. */
export const SCRIPT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ScriptEnvInput {
  /** The script's folder: HOME and working directory. */
  home: string;
  host: string;
  script: string;
  /** The run request id; for a script check, the check id and the run's time. */
  runId: string;
  /** Validated values by parameter name (protocol/script-args.ts `values`). */
  params: Readonly<Record<string, string>>;
}

/**
 * A script's whole environment (issue 14): PATH, LANG, HOME, who and what it
 * is, and each argument again as `VIGIE_PARAM_<NAME>`. Nothing of the
 * agent's own environment (its MQTT password, a cloud token) reaches it.
 */
export function scriptEnv(input: ScriptEnvInput): Record<string, string> {
  const env: Record<string, string> = {
    PATH: SCRIPT_PATH,
    LANG: 'C.UTF-8',
    HOME: input.home,
    VIGIE_HOST: input.host,
    VIGIE_SCRIPT: input.script,
    VIGIE_RUN_ID: input.runId,
  };
  for (const [name, value] of Object.entries(input.params)) env[`VIGIE_PARAM_${name.toUpperCase()}`] = value;
  return env;
}

export interface RunSpec {
  /** Absolute path of the interpreter. */
  command: string;
  /** Interpreter arguments, the script file, then the validated argv: each one argument, never parsed by a shell. */
  args: readonly string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** Run as this user and group (the agent runs as root and drops); absent: as the agent. */
  user?: Owner;
  /** Aborting kills the run as a timeout would (the check scheduler's hard deadline, the agent closing). */
  signal?: AbortSignal;
  /** Bytes of output kept (stdout and stderr together); default SCRIPT_LIMITS.outputBytes. */
  maxOutputBytes?: number;
  onStart?(pid: number): void;
  /** Each piece of kept output as it arrives (decoded as UTF-8 without splitting a character). */
  onOutput?(stream: 'stdout' | 'stderr', text: string): void;
}

export interface RunOutcome {
  /** Exit code; null when killed by a signal or when it could not start. */
  exit: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Seconds from start to exit (monotonic clock). */
  duration: number;
  stdout: string;
  stderr: string;
  /** Output bytes past the cap: counted, not kept. */
  dropped: number;
  /** Set when the process could not start (EACCES on the folder, a vanished interpreter). */
  error?: string;
}

/**
 * Runs one script and settles when it has exited and its output is read.
 *
 * - `spawn` with an argument array and no shell: what execFile does, with
 *   the streams kept (execFile would buffer the output and kill at its own
 *   maxBuffer, where we keep the first 64 KiB and count the rest).
 * - `detached` makes the script a process-group leader, so a timeout kills
 *   the group (SIGKILL): a `sleep` it started in the background dies with
 *   it. Whatever the script leaves running when it exits is killed too (it
 *   would hold the output pipes open); services are started through their
 *   manager (systemctl), outside the group.
 * - With `user`, libuv does chdir, setgroups(0), setgid then setuid in the
 *   child: the folder is entered as the agent, the script runs as the user.
 */
export function runScript(spec: RunSpec): Promise<RunOutcome> {
  const cap = spec.maxOutputBytes ?? SCRIPT_LIMITS.outputBytes;
  return new Promise((resolve) => {
    const started = performance.now();
    let kept = 0;
    let dropped = 0;
    const text = { stdout: '', stderr: '' };
    let timedOut = false;
    let error: string | undefined;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(spec.command, [...spec.args], {
        cwd: spec.cwd,
        env: spec.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        shell: false,
        windowsHide: true,
        ...(spec.user ? { uid: spec.user.uid, gid: spec.user.gid } : {}),
      });
    } catch (e) {
      resolve({ exit: null, signal: null, timedOut: false, duration: 0, stdout: '', stderr: '', dropped: 0, error: (e as Error).message });
      return;
    }
    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: the group is already gone
      }
    };
    const onTimeout = (): void => {
      if (exited) return;
      timedOut = true;
      killGroup();
    };
    const timer = setTimeout(onTimeout, spec.timeoutMs);
    spec.signal?.addEventListener('abort', onTimeout, { once: true });
    if (spec.signal?.aborted) onTimeout();

    const read = (stream: 'stdout' | 'stderr'): void => {
      const decoder = new StringDecoder('utf8');
      const source = child[stream]!;
      const take = (piece: string): void => {
        if (piece === '') return;
        text[stream] += piece;
        spec.onOutput?.(stream, piece);
      };
      source.on('data', (data: Buffer) => {
        const room = cap - kept;
        if (room <= 0) {
          dropped += data.length;
          return;
        }
        const part = data.length > room ? data.subarray(0, room) : data;
        dropped += data.length - part.length;
        kept += part.length;
        take(decoder.write(part));
      });
      source.on('end', () => take(decoder.end()));
    };
    read('stdout');
    read('stderr');

    child.on('spawn', () => {
      if (child.pid !== undefined) spec.onStart?.(child.pid);
    });
    child.on('error', (e) => {
      error = e.message;
      // It never started (no pid): no 'exit' will come, and 'close' is not promised either.
      if (child.pid === undefined) finish(null, null);
    });
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      // Leftovers of the group would keep the pipes open, and 'close' would wait for them.
      killGroup();
    });
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onTimeout);
      const end = exited ?? { code, signal };
      resolve({
        exit: end.signal !== null || end.code === null ? null : end.code,
        signal: end.signal,
        timedOut,
        duration: Math.round(performance.now() - started) / 1000,
        stdout: text.stdout,
        stderr: text.stderr,
        dropped,
        ...(error !== undefined ? { error } : {}),
      });
    };
    child.on('close', finish);
  });
}
