import { SERVICE_NAME_PATTERN } from '../protocol/schemas/command.js';
import type { ScriptArgs } from '../protocol/schemas/script.js';
import { ruleParts } from './advice.js';
import { diagnosedDirs, diagnosedProcesses } from './diagnosis.js';
import type { Alert } from './types.js';
import { spokenNumber, type Lang } from './words.js';

/**
 * Suggested fixes (issue 14): for the alerts Vigie already explains, the
 * built-in action that usually fixes them, with its arguments taken from the
 * alert and its diagnosis, and a label in words. The dashboard shows
 * "Suggested fix: restart nginx.service" with a Run button; a rule's
 * automatic action (alerts/auto-action.ts) fills its arguments from here too.
 * Pure: whether the action may run on the host is the script library's call.
 */
export interface SuggestedFix {
  /** A built-in action's id (`vigie.service-restart`). */
  script: string;
  args: ScriptArgs;
  /** What it does, in the reader's language: "restart nginx.service". */
  label: string;
}

/** The built-in actions (docs/scripts.md), one owner of their ids. */
export const BUILTIN_ACTIONS = {
  serviceRestart: 'vigie.service-restart',
  journalVacuum: 'vigie.journal-vacuum',
  packageClean: 'vigie.package-clean',
  killProcess: 'vigie.kill-process',
} as const;

/** The journal is "big" past this: vacuuming it to JOURNAL_SIZE_MIB frees something worth a click. */
export const BIG_JOURNAL_BYTES = 512 * 2 ** 20;
/** The size `vigie.journal-vacuum` shrinks the journal to, MiB (journalctl's own examples use 200M). */
export const JOURNAL_SIZE_MIB = 200;
/** A top process using at least this much CPU (percent of one core) is worth stopping. */
export const RUNAWAY_CPU_PERCENT = 50;
const JOURNAL_DIR = '/var/log/journal';
const LOG_DIR = '/var/log';

/** The fields of an alert a fix reads: its rule and state, its kind's facts, and its diagnosis lines. */
export type FixableAlert = Pick<Alert, 'rule' | 'state' | 'device'> & { context?: readonly string[] };

type Labels = Record<Lang, (a: Record<string, string | number>) => string>;
const LABELS: Record<string, Labels> = {
  [BUILTIN_ACTIONS.serviceRestart]: {
    en: (a) => `${a.mode === 'start' ? 'start' : 'restart'} ${a.service}`,
    fr: (a) => `${a.mode === 'start' ? 'démarrer' : 'redémarrer'} ${a.service}`,
  },
  [BUILTIN_ACTIONS.journalVacuum]: {
    en: (a) => `shrink the systemd journal to ${spokenNumber(Number(a.size), 'en')} MiB`,
    fr: (a) => `réduire le journal systemd à ${spokenNumber(Number(a.size), 'fr')} Mio`,
  },
  [BUILTIN_ACTIONS.packageClean]: {
    en: () => 'clean the package cache',
    fr: () => 'vider le cache des paquets',
  },
  [BUILTIN_ACTIONS.killProcess]: {
    en: (a) => `${a.signal === 'KILL' ? 'kill' : 'stop'} process ${a.pid}${a.name ? ` (${a.name})` : ''}`,
    fr: (a) => `${a.signal === 'KILL' ? 'tuer' : 'arrêter'} le processus ${a.pid}${a.name ? ` (${a.name})` : ''}`,
  },
};

/**
 * What a run of `script` with `args` does, in words: the built-ins' own
 * labels ("restart nginx.service"); any other script as `<id>` with its
 * arguments. `name` (a process name) is shown, never passed to the script.
 */
export function actionLabel(script: string, args: ScriptArgs, lang: Lang, extra: { name?: string } = {}): string {
  const label = LABELS[script];
  if (label) return label[lang]({ ...args, ...(extra.name ? { name: extra.name } : {}) });
  const shown = Object.entries(args).map(([k, v]) => `${k}=${v}`).join(' ');
  return shown ? `${script} ${shown}` : script;
}

/** The fix for an alert, without its label: the script and the arguments taken from the alert. */
export function fixFor(alert: FixableAlert): { script: string; args: ScriptArgs; name?: string } | null {
  // Only while it fires, and never on an SNMP device (no agent of ours runs there).
  if (alert.state !== 'firing' || alert.device) return null;
  const { family, arg } = ruleParts(alert.rule);
  const context = alert.context ?? [];
  if (family === 'service') {
    return SERVICE_NAME_PATTERN.test(arg) && !arg.startsWith('-') ? { script: BUILTIN_ACTIONS.serviceRestart, args: { service: arg, mode: 'restart' } } : null;
  }
  if (family === 'disk' || family === 'disk_forecast') {
    // The diagnosis walks two levels below the mount: on `/` it shows /var/log, where the journal lives, not /var/log/journal.
    const dirs = diagnosedDirs(context);
    const journal = dirs.find((d) => d.path === JOURNAL_DIR || d.path.startsWith(`${JOURNAL_DIR}/`)) ?? dirs.find((d) => d.path === LOG_DIR);
    if (journal && journal.bytes >= BIG_JOURNAL_BYTES) return { script: BUILTIN_ACTIONS.journalVacuum, args: { size: JOURNAL_SIZE_MIB } };
    return { script: BUILTIN_ACTIONS.packageClean, args: {} };
  }
  if (family === 'cpu') {
    // The busiest process of the diagnosis, when it is busy enough to be the cause; pid 1 never.
    const top = diagnosedProcesses(context)[0];
    if (!top || top.pid < 2 || top.cpu < RUNAWAY_CPU_PERCENT) return null;
    return { script: BUILTIN_ACTIONS.killProcess, args: { pid: top.pid, signal: 'TERM' }, name: top.name };
  }
  return null;
}

/** The suggested fix of an alert in `lang`, or null when Vigie has none for it. */
export function suggestedFix(alert: FixableAlert, lang: Lang): SuggestedFix | null {
  const fix = fixFor(alert);
  if (!fix) return null;
  return { script: fix.script, args: fix.args, label: actionLabel(fix.script, fix.args, lang, fix.name ? { name: fix.name } : {}) };
}
