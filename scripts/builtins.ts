import { SERVICE_NAME_PATTERN } from '../protocol/schemas/command.js';
import { BUILTIN_SCRIPT_PREFIX, type ScriptParam } from '../protocol/schemas/script.js';
import type { ScriptFields } from './types.js';

/**
 * The actions Vigie ships (issue 14), for the alerts it already explains:
 * a stopped service, a full journal, a full package cache, a runaway
 * process. They are ordinary `sh` scripts in the library under the reserved
 * `vigie.` prefix: signed and sent like any other, run only by agents that
 * opted in to actions. An admin may disable one, not edit or delete it.
 * scripts/store.ts seeds them at start and gives one a new version when its
 * body here changes (an upgrade of Vigie).
 *
 * How the bodies are written: every value arrives as one argv entry ("$1"),
 * always quoted, is checked again here although the server and the agent
 * checked it (protocol/script-args.ts), and goes after `--` so it can never
 * read as an option. When the agent is not root they use `sudo -n` (never a
 * password prompt: no sudoers line means a clear failure); docs/scripts.md
 * gives the sudoers lines.
 */

/** The part every built-in body starts with: strict mode, and `as_root` for the privileged command. */
const PRELUDE = `#!/bin/sh
# Shipped with Vigie: see docs/scripts.md, "Built-in actions".
set -eu
# Privileged commands go through sudo -n when the agent is not root: no prompt, a clear error without a sudoers line.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n -- "$@"; fi
}
need() {
  command -v "$1" >/dev/null 2>&1 || { echo "$1 not found on this host: $2" >&2; exit 3; }
}
`;

const serviceName: ScriptParam = {
  name: 'service', type: 'string', label: 'Service', description: 'The systemd unit, as the host\'s services list names it (nginx.service)',
  pattern: SERVICE_NAME_PATTERN.source.replace(/^\^/, '').replace(/\$$/, ''), maxLength: 256,
};

export const BUILTIN_SCRIPTS: readonly ScriptFields[] = [
  {
    id: 'vigie.service-restart',
    name: 'Restart a service',
    description: 'Restarts (or starts) one systemd service with systemctl, then prints its state. For "service stopped" alerts.',
    kind: 'action',
    interpreter: 'sh',
    params: [serviceName, { name: 'mode', type: 'enum', label: 'Mode', values: ['restart', 'start'], default: 'restart' }],
    timeout: 60,
    interval: null,
    hosts: [],
    groups: [],
    enabled: true,
    body: `${PRELUDE}service="$1"
mode="$2"
case "$mode" in restart|start) ;; *) echo "mode: expected restart or start, got $mode" >&2; exit 3 ;; esac
case "$service" in -*|'') echo "service: expected a unit name" >&2; exit 3 ;; esac
need systemctl 'this action needs systemd'
echo "systemctl $mode $service"
as_root systemctl "$mode" -- "$service"
# is-active exits non-zero for a unit that did not come up: the run then fails, as it should.
state=$(systemctl is-active -- "$service" || true)
echo "$service is $state"
[ "$state" = active ]
`,
  },
  {
    id: 'vigie.journal-vacuum',
    name: 'Vacuum the systemd journal',
    description: 'Deletes the oldest archived journal files until the journal takes at most the given size (journalctl --vacuum-size). For "disk full" alerts on /var.',
    kind: 'action',
    interpreter: 'sh',
    params: [{ name: 'size', type: 'integer', label: 'Size to keep (MiB)', min: 16, max: 100_000, default: 500 }],
    timeout: 120,
    interval: null,
    hosts: [],
    groups: [],
    enabled: true,
    body: `${PRELUDE}size="$1"
case "$size" in ''|*[!0-9]*) echo "size: expected a number of MiB, got $size" >&2; exit 3 ;; esac
[ "$size" -ge 16 ] || { echo "size: at least 16 MiB" >&2; exit 3; }
need journalctl 'this action needs systemd-journald'
journalctl --disk-usage || true
as_root journalctl "--vacuum-size=\${size}M"
journalctl --disk-usage || true
`,
  },
  {
    id: 'vigie.package-clean',
    name: 'Clean the package cache',
    description: 'Empties the package manager\'s download cache: apt-get clean, dnf clean all, yum clean all or apk cache clean, whichever the host has. For "disk full" alerts on /var.',
    kind: 'action',
    interpreter: 'sh',
    params: [],
    timeout: 300,
    interval: null,
    hosts: [],
    groups: [],
    enabled: true,
    body: `${PRELUDE}if command -v apt-get >/dev/null 2>&1; then
  echo 'apt-get clean'
  as_root apt-get clean
elif command -v dnf >/dev/null 2>&1; then
  echo 'dnf clean all'
  as_root dnf clean all
elif command -v yum >/dev/null 2>&1; then
  echo 'yum clean all'
  as_root yum clean all
elif command -v apk >/dev/null 2>&1; then
  echo 'apk cache clean'
  as_root apk cache clean
else
  echo 'no known package manager here (apt-get, dnf, yum, apk)' >&2
  exit 3
fi
`,
  },
  {
    id: 'vigie.kill-process',
    name: 'Kill a process',
    description: 'Sends TERM (or KILL) to one process, chosen from the diagnosis\' process list. For "CPU" and "memory" alerts caused by a runaway process.',
    kind: 'action',
    interpreter: 'sh',
    params: [
      { name: 'pid', type: 'integer', label: 'Process id', min: 2 },
      { name: 'signal', type: 'enum', label: 'Signal', values: ['TERM', 'KILL'], default: 'TERM' },
    ],
    timeout: 15,
    interval: null,
    hosts: [],
    groups: [],
    enabled: true,
    body: `${PRELUDE}pid="$1"
signal="$2"
case "$pid" in ''|*[!0-9]*) echo "pid: expected a process id, got $pid" >&2; exit 3 ;; esac
[ "$pid" -ge 2 ] || { echo "pid: 1 (init) is never killed" >&2; exit 3; }
case "$signal" in TERM|KILL) ;; *) echo "signal: expected TERM or KILL, got $signal" >&2; exit 3 ;; esac
# The agent that runs this script is its parent: never kill it from here.
[ "$pid" != "$PPID" ] || { echo "pid: $pid is the Vigie agent itself" >&2; exit 3; }
[ -d "/proc/$pid" ] || { echo "no process $pid (already gone?)" >&2; exit 2; }
comm=$(cat "/proc/$pid/comm" 2>/dev/null || echo '?')
echo "sending SIG$signal to $pid ($comm)"
# Our own processes need no sudo; others' do.
kill -s "$signal" -- "$pid" 2>/dev/null || as_root kill -s "$signal" -- "$pid"
`,
  },
];

export const isBuiltinId = (id: string): boolean => id.startsWith(BUILTIN_SCRIPT_PREFIX);
