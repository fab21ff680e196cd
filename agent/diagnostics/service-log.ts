import { execFile } from 'node:child_process';
import { COMMAND_LIMITS, SERVICE_NAME_PATTERN, type ServiceLogData } from '../../protocol/payloads.js';

export interface ServiceLogOptions {
  /** A service name already checked against SERVICE_NAME_PATTERN and the agent's services list. */
  service: string;
  lines: number;
  /** Why systemd's journal cannot be read here, or null when it can (agent/services/systemd.ts systemdUnavailable). */
  journalUnavailable: string | null;
  /** Milliseconds journalctl may run before it is killed. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Control characters (but tab) would make a line hard to show; they become `?`. */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/g;

/** Cuts journalctl output into at most `lines` lines (the last ones), each cut to the contract's length. */
export function parseJournal(stdout: string, lines: number): string[] {
  return stdout
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    // `-- No entries --`, `-- Boot … --`: journalctl's own markers, not the service's log.
    .filter((l) => l.length > 0 && !/^-- .* --$/.test(l))
    .slice(-lines)
    .map((l) => l.replace(CONTROL, '?').slice(0, COMMAND_LIMITS.logLineLength));
}

/**
 * The `service-log` action: the last lines of one service's log, from
 * `journalctl --unit=<name>` run with execFile (an argument array, never a
 * shell) and a timeout, when systemd is the init system. Elsewhere the
 * answer says there is no source. The name is checked again here: this
 * function must never hand journalctl anything but a unit name.
 */
export function serviceLog(opts: ServiceLogOptions): Promise<ServiceLogData> {
  const { service } = opts;
  if (!SERVICE_NAME_PATTERN.test(service)) return Promise.reject(new Error(`service: "${service.slice(0, 64)}" is not a service name`));
  if (opts.journalUnavailable !== null) {
    return Promise.resolve({ service, source: 'none', lines: [], note: opts.journalUnavailable.slice(0, 256) });
  }
  const args = [`--unit=${service}`, `--lines=${opts.lines}`, '--no-pager', '--output=short-iso'];
  return new Promise((resolve, reject) => {
    execFile(
      'journalctl',
      args,
      {
        timeout: opts.timeoutMs,
        maxBuffer: 1024 * 1024,
        env: { ...process.env, LC_ALL: 'C', SYSTEMD_COLORS: '0', SYSTEMD_PAGER: '' },
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (error, stdout, stderr) => {
        if (opts.signal?.aborted) return reject(opts.signal.reason);
        if (error) return reject(new Error(`journalctl failed: ${(stderr || error.message).trim().split('\n')[0]?.slice(0, 200)}`));
        const lines = parseJournal(stdout, opts.lines);
        // An unprivileged agent may see nothing and be told why on stderr (not in the systemd-journal group).
        const why = stderr.trim().split('\n')[0];
        resolve({ service, source: 'journalctl', lines, ...(lines.length === 0 ? { note: (why || 'no log lines for this service').slice(0, 256) } : {}) });
      },
    );
  });
}
