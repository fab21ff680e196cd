import { SCRIPT_LIMITS, type NagiosStatus, type Perfdata } from '../../protocol/schemas/script.js';

/**
 * The Nagios plugin convention (Nagios Plugin Development Guidelines, "Plugin
 * Return Codes" and "Performance data"), which every admin already has
 * scripts for: exit 0 ok, 1 warning, 2 critical, 3 unknown; the first line of
 * output is the message, perfdata follows a `|`:
 *
 *     TEXT | perf1 perf2
 *     LONG TEXT LINE 1
 *     LONG TEXT LINE 2 | perf3
 *     perf4
 *
 * Perfdata items are `'label'=value[UOM];[warn];[crit];[min];[max]`.
 */

export interface NagiosResult {
  status: NagiosStatus;
  /** The first line, before `|`. */
  message: string;
  /** The lines after the first, before the perfdata that may follow them. */
  long: string;
  perfdata: Perfdata[];
}

export interface NagiosInput {
  exit: number | null;
  timedOut: boolean;
  stdout: string;
}

/** Exit code to status: anything but 0–3 (a crash, a signal, a timeout) is unknown. */
export function nagiosStatus(exit: number | null, timedOut = false): NagiosStatus {
  if (timedOut || exit === null) return 'unknown';
  return exit === 0 ? 'ok' : exit === 1 ? 'warning' : exit === 2 ? 'critical' : 'unknown';
}

/** Splits a plugin's output into message, long output and perfdata. */
export function parseNagiosOutput(output: string): Omit<NagiosResult, 'status'> {
  const lines = output.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n');
  const [first = '', ...rest] = lines;
  const bar = first.indexOf('|');
  const message = (bar >= 0 ? first.slice(0, bar) : first).trim();
  const perfText: string[] = bar >= 0 ? [first.slice(bar + 1)] : [];
  const long: string[] = [];
  let inPerf = false;
  for (const line of rest) {
    if (inPerf) {
      perfText.push(line);
      continue;
    }
    const at = line.indexOf('|');
    if (at < 0) {
      long.push(line);
      continue;
    }
    // The first `|` of the long output starts perfdata that runs to the end.
    if (line.slice(0, at).trim() !== '') long.push(line.slice(0, at).trimEnd());
    perfText.push(line.slice(at + 1));
    inPerf = true;
  }
  return { message, long: long.join('\n').trim(), perfdata: parsePerfdata(perfText.join(' ')) };
}

/** Units a value is converted from, to the base unit it is stored in (bytes are 1024-based, as plugins use them). */
const UNITS: Readonly<Record<string, { unit: Perfdata['unit']; factor: number }>> = {
  '': { unit: '', factor: 1 },
  s: { unit: 's', factor: 1 },
  ms: { unit: 's', factor: 1e-3 },
  us: { unit: 's', factor: 1e-6 },
  '%': { unit: '%', factor: 1 },
  b: { unit: 'B', factor: 1 },
  kb: { unit: 'B', factor: 1024 },
  mb: { unit: 'B', factor: 1024 ** 2 },
  gb: { unit: 'B', factor: 1024 ** 3 },
  tb: { unit: 'B', factor: 1024 ** 4 },
  kib: { unit: 'B', factor: 1024 },
  mib: { unit: 'B', factor: 1024 ** 2 },
  gib: { unit: 'B', factor: 1024 ** 3 },
  tib: { unit: 'B', factor: 1024 ** 4 },
  c: { unit: 'c', factor: 1 },
};

const NUMBER = /^[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?/;

const toNumber = (text: string): number | undefined => {
  const n = Number(text.replace(',', '.'));
  return text.trim() !== '' && Number.isFinite(n) ? n : undefined;
};

/** Rounds away float noise from unit scaling (0.1 ms is 0.0001 s, not 0.00010000000000000002). */
const tidy = (n: number): number => Number(n.toPrecision(15));

/** The perfdata items of `text`; malformed items (no `=`, value `U`, not a number) are skipped, at most SCRIPT_LIMITS.perfdata kept. */
export function parsePerfdata(text: string): Perfdata[] {
  const items: Perfdata[] = [];
  let i = 0;
  const n = text.length;
  while (i < n && items.length < SCRIPT_LIMITS.perfdata) {
    while (i < n && /\s/.test(text[i]!)) i += 1;
    if (i >= n) break;
    let label = '';
    if (text[i] === "'") {
      // A quoted label may hold spaces and `=`; '' inside it is one quote.
      i += 1;
      while (i < n) {
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            label += "'";
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        label += text[i];
        i += 1;
      }
    } else {
      while (i < n && text[i] !== '=' && !/\s/.test(text[i]!)) {
        label += text[i];
        i += 1;
      }
    }
    if (text[i] !== '=') {
      while (i < n && !/\s/.test(text[i]!)) i += 1; // not an item: skip the word
      continue;
    }
    i += 1;
    let field = '';
    while (i < n && !/\s/.test(text[i]!)) {
      field += text[i];
      i += 1;
    }
    const item = parseItem(label, field);
    if (item) items.push(item);
  }
  return items;
}

function parseItem(rawLabel: string, field: string): Perfdata | null {
  const label = rawLabel.trim().slice(0, 64);
  if (label === '') return null;
  const [valueText = '', warn, crit, min, max] = field.split(';');
  const number = NUMBER.exec(valueText);
  if (!number) return null; // `U`: the plugin could not measure it
  const value = toNumber(number[0]);
  if (value === undefined) return null;
  const uom = valueText.slice(number[0].length);
  const known = UNITS[uom.toLowerCase()];
  // Unknown units (`dBm`, `req`) keep their value as a plain number.
  const { unit, factor } = known ?? UNITS['']!;
  const scaled = tidy(value * factor);
  if (!Number.isFinite(scaled)) return null; // 1e308TB: not a number JSON can carry
  const item: Perfdata = { label, value: scaled, unit };
  if (warn) item.warn = warn.slice(0, 64);
  if (crit) item.crit = crit.slice(0, 64);
  const minN = min === undefined ? undefined : toNumber(min);
  const maxN = max === undefined ? undefined : toNumber(max);
  if (minN !== undefined && Number.isFinite(minN * factor)) item.min = tidy(minN * factor);
  if (maxN !== undefined && Number.isFinite(maxN * factor)) item.max = tidy(maxN * factor);
  return item;
}

/** The whole reading of one run. */
export function readNagios(input: NagiosInput): NagiosResult {
  return { status: nagiosStatus(input.exit, input.timedOut), ...parseNagiosOutput(input.stdout) };
}
