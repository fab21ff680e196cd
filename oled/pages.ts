import { charsThatFit, Framebuffer, textWidth } from './framebuffer.js';
import { ALERT, CHECK, HOSTS, MOON, NETWORK, WRENCH } from './icons.js';
import { burnInOffset, type PageName } from './schedule.js';
import { mostSevere, shownAddress, type OledState, type ShownAlert } from './state.js';

/**
 * The three pages, drawn from the state alone: render(state, page, now) is
 * pure, so each page can be compared pixel for pixel with a golden file.
 * Text is English (the panel's font is ASCII, plus ä ö ü ° €); alert titles
 * come from the server in its language, with accents dropped by the font.
 * Layouts keep column 127 and the last row free for the burn-in shift.
 */
export function render(state: OledState, page: PageName, now: number): Framebuffer {
  const fb = new Framebuffer(state.size);
  fb.offset = { ...burnInOffset(now) };
  const tall = state.size.height === 64;
  if (page === 'box') drawBox(fb, state, now, tall);
  else if (page === 'fleet') drawFleet(fb, state, tall);
  else drawAlert(fb, state, now, tall);
  return fb;
}

/** Metrics older than this are not shown as current (the box's agent stopped). */
export const METRICS_STALE_MS = 60_000;

/** Usable width: the last column is left for the burn-in shift. */
const W = 127;

function drawBox(fb: Framebuffer, state: OledState, now: number, tall: boolean): void {
  fb.icon(0, 0, NETWORK);
  fb.text(11, 0, shownAddress(state) ?? 'no address', { maxX: W - 9 });
  if (state.night) fb.icon(W - 8, 0, MOON);
  const fresh = state.metrics && now - state.metrics.ts <= METRICS_STALE_MS ? state.metrics : null;
  if (tall) {
    fb.text(0, 11, state.host, { maxX: W });
    loadRow(fb, 27, 9, 'CPU', fresh?.cpu ?? null);
    loadRow(fb, 41, 9, 'RAM', fresh?.mem ?? null);
    if (!fresh) fb.text(0, 55, 'waiting for metrics', { maxX: W });
  } else {
    fb.text(0, 8, state.host, { maxX: W });
    loadRow(fb, 16, 7, 'CPU', fresh?.cpu ?? null);
    loadRow(fb, 24, 7, 'RAM', fresh?.mem ?? null);
  }
}

/** "CPU [#####     ] 37%": label, bar, value; an empty bar and "--" when unknown. */
function loadRow(fb: Framebuffer, y: number, h: number, label: string, percent: number | null): void {
  const textY = y + Math.floor((h - 7) / 2);
  fb.text(0, textY, label);
  fb.bar(20, y, 80, h, percent ?? 0);
  fb.textRight(W, textY, percent === null ? '--' : `${Math.round(percent)}%`);
}

function drawFleet(fb: Framebuffer, state: OledState, tall: boolean): void {
  const s = state.summary;
  if (!s || !s.serverOnline) {
    fb.icon(0, 0, HOSTS);
    fb.text(11, 0, 'HOSTS');
    fb.text(0, tall ? 20 : 12, s ? 'server offline' : 'waiting for server');
    if (tall && s) fb.text(0, 30, 'counts may be stale');
    return;
  }
  if (tall) {
    fb.fillRect(0, 0, W, 9);
    fb.text(2, 1, 'HOSTS', { on: false });
    fb.textRight(W - 2, 1, `${s.total} total`, { on: false });
    bigCount(fb, 0, 13, s.online, 'online', false);
    bigCount(fb, 64, 13, s.offline, 'offline', s.offline > 0);
    alertLines(fb, state, [38, 47, 56]);
  } else {
    fb.icon(0, 0, HOSTS);
    fb.text(11, 0, `${s.online} online`);
    const off = `${s.offline} offline`;
    fb.textRight(W - 1, 0, off);
    // Offline hosts are what one looks for: shown inverted, with a pixel of margin
    // that stops short of the last column (kept for the burn-in shift).
    if (s.offline > 0) fb.invertRect(W - textWidth(off) - 2, 0, textWidth(off) + 2, 8);
    alertLines(fb, state, [8, 16, 24]);
  }
}

/** A count in double size with its label below; inverted when it needs attention. */
function bigCount(fb: Framebuffer, x: number, y: number, n: number, label: string, attention: boolean): void {
  fb.text(x + 2, y + 1, String(n), { scale: 2 });
  fb.text(x + 2, y + 16, label);
  if (attention) fb.invertRect(x, y, 63, 24);
}

function alertLines(fb: Framebuffer, state: OledState, rows: [number, number, number]): void {
  const s = state.summary!;
  if (s.firing === 0) {
    fb.icon(0, rows[0], CHECK);
    fb.text(11, rows[0], 'no alert firing');
    return;
  }
  fb.icon(0, rows[0], ALERT);
  fb.text(11, rows[0], `${s.firing} alert${s.firing === 1 ? '' : 's'} firing`);
  fb.text(11, rows[1], `${s.critical} crit, ${s.warning} warn`, { maxX: W });
  if (s.maintenance > 0) {
    // Icons are 8 rows, text 7: on the last line the icon ends with the text, one row
    // higher, or the burn-in shift pushed its bottom row off the panel (issue 11).
    fb.icon(0, rows[2] - 1, WRENCH);
    fb.text(11, rows[2], `${s.maintenance} in maintenance`, { maxX: W });
  }
}

function drawAlert(fb: Framebuffer, state: OledState, now: number, tall: boolean): void {
  const alert = mostSevere(state.alerts);
  if (!alert) {
    fb.icon(0, 0, CHECK);
    fb.text(11, 0, 'No alert firing');
    const hosts = state.summary?.serverOnline ? `${state.summary.total} hosts watched` : null;
    if (hosts) fb.text(0, tall ? 12 : 10, hosts);
    return;
  }
  // 32 rows hold the band, the host and two title lines only with a 7-row band:
  // an 8-row one put the second line on the last row, cut by the burn-in shift (issue 11).
  const band = tall ? 9 : 7;
  fb.fillRect(0, 0, W, band);
  fb.icon(1, 0, alert.maintenance ? WRENCH : ALERT, false);
  const label = alert.maintenance ? 'MAINTENANCE' : alert.severity === 'critical' ? 'CRITICAL' : 'WARNING';
  fb.text(11, tall ? 1 : 0, label, { on: false });
  const count = `${state.alerts.length > 1 ? `1/${state.alerts.length}` : ''}${alert.acknowledged ? ' ack' : ''}`.trim();
  if (count) fb.textRight(W - 2, tall ? 1 : 0, count, { on: false });

  const value = formatValue(alert);
  if (tall) {
    const big = alert.host.length <= 10;
    fb.text(0, 12, alert.host, { scale: big ? 2 : 1, maxX: W });
    const lines = wrap(alert.title, charsThatFit(W), 2);
    lines.forEach((line, i) => fb.text(0, 30 + i * 9, line));
    if (value) fb.text(0, 54, value, { maxX: 70 });
    fb.textRight(W, 54, `for ${formatAge(now - alert.since)}`);
  } else {
    fb.text(0, 8, alert.host, { maxX: value ? W - textWidth(value) - 6 : W });
    if (value) fb.textRight(W, 8, value);
    wrap(alert.title, charsThatFit(W), 2).forEach((line, i) => fb.text(0, 16 + i * 8, line));
  }
}

/** The value in its unit, short: "96.2%", "2.31/core", "71°C", "12 h"; null for a state (offline, service). */
export function formatValue(a: Pick<ShownAlert, 'value' | 'unit'>): string | null {
  if (a.value === null) return null;
  const v = a.value;
  const n = Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1);
  switch (a.unit) {
    case 'percent':
      return `${n}%`;
    case 'perCore':
      return `${v.toFixed(2)}/core`;
    case 'celsius':
      return `${n}°C`;
    case 'seconds':
      return formatAge(v * 1000);
    case 'hours':
      return `${n} h`;
    default:
      return null;
  }
}

/** A duration in one unit: "45 s", "12 min", "3 h", "2 d". */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

/** Word-wraps `text` into at most `lines` lines of `width` characters; a cut last line ends with "..". */
export function wrap(text: string, width: number, lines: number): string[] {
  const out: string[] = [];
  let line = '';
  const words = text.trim().split(/\s+/).filter(Boolean);
  for (let i = 0; i < words.length; i++) {
    let word = words[i]!;
    while ([...word].length > width) {
      // A word longer than a line is cut where the line ends.
      const room = width - (line ? [...line].length + 1 : 0);
      if (room > 0) {
        line = line ? `${line} ${[...word].slice(0, room).join('')}` : [...word].slice(0, room).join('');
        word = [...word].slice(room).join('');
      }
      out.push(line);
      line = '';
      if (out.length === lines) return ellipsis(out, width);
    }
    const next = line ? `${line} ${word}` : word;
    if ([...next].length <= width) line = next;
    else {
      out.push(line);
      line = word;
      if (out.length === lines) return ellipsis(out, width);
    }
  }
  if (line) out.push(line);
  return out.length > lines ? ellipsis(out.slice(0, lines), width) : out;
}

function ellipsis(out: string[], width: number): string[] {
  const last = out[out.length - 1] ?? '';
  out[out.length - 1] = `${[...last].slice(0, width - 2).join('')}..`;
  return out;
}
