import type { CheckResultPayload } from '../protocol/schemas/check.js';

/**
 * The context of a check alert: what the runner said, for whoever fixes it
 * (issue 12 item 2: "the runner attaches a traceroute/tracepath of the path
 * or the response excerpt to the alert's context"). Pure; the alert service
 * stores the full lines with the alert and notifies the brief ones.
 */

const CONTEXT = { traceLines: 30, excerptLines: 20, lineChars: 200 } as const;
const BRIEF = { lines: 12, lineChars: 160, excerptChars: 240 } as const;

/**
 * Control characters (terminal escapes, carriage returns, bidi overrides) a
 * remote server or a tool may put in a response or a trace, written as
 * `\xNN` / `\u{NNNN}` so they show instead of acting.
 */
export function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

const clipLine = (line: string, max: number): string => (line.length <= max ? line : `${line.slice(0, max - 1)}…`);

const block = (text: string, maxLines: number): string[] => {
  const lines = text.replace(/\r\n?/g, '\n').split('\n').map((l) => clipLine(escapeControls(l.replace(/\t/g, '  ')), CONTEXT.lineChars));
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const shown = lines.slice(0, maxLines).map((l) => `  ${l}`);
  if (lines.length > maxLines) shown.push(`  … (${lines.length - maxLines} more lines)`);
  return shown;
};

/**
 * The lines a failed (or slow, or expiring) result adds to its alert, in
 * English like the agent's diagnosis lines: its message, HTTP status,
 * latency and phases, certificate, then the response excerpt or the path
 * (tracepath/traceroute) the runner attached. Control characters escaped.
 */
export function checkContext(result: CheckResultPayload): string[] {
  if (result.script) return scriptContext(result, result.script);
  const lines = [`Runner said: ${clipLine(escapeControls(result.message), CONTEXT.lineChars)}`];
  if (result.status !== undefined) lines.push(`HTTP status: ${result.status}`);
  if (result.latency !== null) {
    const ph = result.phases;
    const phases = ph
      ? (['dns', 'connect', 'tls', 'firstByte'] as const).filter((k) => ph[k] !== null).map((k) => `${k} ${Math.round(ph[k]! * 1000)} ms`).join(', ')
      : '';
    lines.push(`Latency: ${Math.round(result.latency * 1000)} ms${phases ? ` (${phases})` : ''}`);
  }
  if (result.ping) lines.push(`Ping: ${result.ping.received}/${result.ping.sent} replies, ${result.ping.loss} % loss`);
  if (result.cert) {
    const c = result.cert;
    lines.push(`Certificate: ${clipLine(escapeControls(c.subject), CONTEXT.lineChars)}, valid until ${new Date(c.notAfter).toISOString().slice(0, 16).replace('T', ' ')} UTC${c.chainValid ? '' : ', chain NOT trusted'}${c.hostnameMatch ? '' : ', name does NOT match'}${c.error ? ` (${escapeControls(c.error)})` : ''}`);
  }
  if (result.answers?.length) lines.push(`DNS answers: ${clipLine(escapeControls(result.answers.join(', ')), CONTEXT.lineChars)}`);
  if (result.excerpt) lines.push('Response excerpt:', ...block(result.excerpt, CONTEXT.excerptLines));
  if (result.trace) lines.push('Path to the target:', ...block(result.trace, CONTEXT.traceLines));
  return lines;
}

const PERF_UNIT: Record<string, string> = { '': '', s: ' s', '%': ' %', B: ' B', c: ' (counter)' };

/**
 * A script check's lines (issue 14): its status and exit code, or the
 * agent's refusal; the first line it printed, its perfdata, its long output.
 */
function scriptContext(result: CheckResultPayload, script: NonNullable<CheckResultPayload['script']>): string[] {
  const lines = [`Script said: ${clipLine(escapeControls(result.message), CONTEXT.lineChars)}`];
  if (script.refused) lines.push(`Refused by the agent: ${script.refused}`);
  else lines.push(`Status: ${script.status} (exit ${script.exit ?? 'none: killed or timed out'}), ${script.script} version ${script.version}${result.latency !== null ? `, ran ${Math.round(result.latency * 1000)} ms` : ''}`);
  if (script.perfdata.length > 0) {
    const perf = script.perfdata.map((p) => `${escapeControls(p.label)}=${p.value}${PERF_UNIT[p.unit] ?? ''}${p.warn || p.crit ? ` (warn ${p.warn ?? '-'}, crit ${p.crit ?? '-'})` : ''}`).join(', ');
    lines.push(`Perfdata: ${clipLine(perf, CONTEXT.lineChars)}`);
  }
  if (script.long) lines.push('Output:', ...block(script.long, CONTEXT.excerptLines));
  return lines;
}

/**
 * The short version of context lines for a notification: the first lines,
 * each cut, a response excerpt folded into one quoted, escaped line (a page
 * of HTML is no use in a chat message).
 */
export function briefContext(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === 'Response excerpt:') {
      const body: string[] = [];
      while (i + 1 < lines.length && lines[i + 1]!.startsWith('  ')) body.push(lines[++i]!.slice(2));
      const text = body.join('\n');
      const cut = text.length > BRIEF.excerptChars ? `${text.slice(0, BRIEF.excerptChars)}…` : text;
      // Already escaped line by line; quoted, with its line breaks written as \n.
      out.push(`Response excerpt: "${cut.replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
      continue;
    }
    out.push(clipLine(escapeControls(line), BRIEF.lineChars));
  }
  if (out.length <= BRIEF.lines) return out;
  return [...out.slice(0, BRIEF.lines), `… (${out.length - BRIEF.lines} more lines in Vigie)`];
}
