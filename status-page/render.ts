import type { Lang } from '../alerts/words.js';
import { formatUtcMinute } from '../core/time.js';
import type { PublicStatus } from './snapshot.js';
import { percentText, STATUS_WORDS } from './words.js';

/**
 * The public status page as HTML, rendered on the server from the public
 * model only. Every text goes through `esc`; no inline script or style (the
 * app's CSP forbids them): the look comes from /status/assets/status.css.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

export const STYLESHEET_PATH = '/status/assets/status.css';

/** A bar's colour class from its day's availability. */
function barClass(percent: number | null): string {
  if (percent === null) return 'none';
  if (percent >= 99.95) return 'up';
  return percent >= 95 ? 'some' : 'down';
}

function page(lang: Lang, title: string, body: string, extraHead = ''): string {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
<link rel="icon" href="data:,">
${extraHead}</head>
<body class="sp">
${body}
</body>
</html>
`;
}

export function renderStatus(s: PublicStatus): string {
  const w = STATUS_WORDS[s.lang];
  const other: Lang = s.lang === 'fr' ? 'en' : 'fr';
  const parts: string[] = [];
  parts.push(`<header class="sp-head">
<div class="sp-titles"><h1>${esc(s.title)}</h1>${s.description ? `<p class="sp-desc">${esc(s.description)}</p>` : ''}</div>
<a class="sp-lang" href="?lang=${other}" hreflang="${other}" lang="${other}">${esc(w.langSwitch)}</a>
</header>`);
  parts.push(`<p class="sp-overall sp-overall-${s.overall}" id="overall">${esc(s.overallText)}</p>`);

  const open = s.incidents.filter((i) => i.state !== 'resolved');
  const incident = (i: PublicStatus['incidents'][number]): string => `<article class="sp-incident sp-incident-${i.state}">
<h3><span class="sp-badge sp-badge-${i.state}">${esc(i.stateText)}</span> ${esc(i.title)}</h3>
${i.body ? `<p class="sp-body">${esc(i.body)}</p>` : ''}
<p class="sp-when"><time datetime="${new Date(i.updatedAt).toISOString()}">${esc(formatUtcMinute(i.updatedAt))}</time></p>
</article>`;
  if (open.length > 0) parts.push(`<section class="sp-section sp-open" aria-labelledby="open-h"><h2 id="open-h">${esc(w.incidents)}</h2>\n${open.map(incident).join('\n')}\n</section>`);

  if (s.maintenance.length > 0) {
    parts.push(`<section class="sp-section sp-maintenance" aria-labelledby="maint-h"><h2 id="maint-h">${esc(w.maintenance)}</h2><ul class="sp-list">
${s.maintenance
  .map((m) => `<li class="sp-maint${m.active ? ' sp-maint-now' : ''}"><span class="sp-badge">${esc(m.active ? w.maintenanceNow : w.maintenanceNext)}</span> <span class="sp-name">${esc(m.name)}</span> <span class="sp-when">${esc(formatUtcMinute(m.start))} → ${esc(formatUtcMinute(m.end))}</span></li>`)
  .join('\n')}
</ul></section>`);
  }

  if (s.checks.length > 0) {
    parts.push(`<section class="sp-section sp-checks" aria-labelledby="checks-h"><h2 id="checks-h">${esc(w.checks)}</h2><ul class="sp-list">
${s.checks
  .map(
    (c) => `<li class="sp-check" data-state="${c.state}">
<div class="sp-row"><span class="sp-name">${esc(c.name)}</span> <span class="sp-kind">${esc(w.kind[c.kind] ?? c.kind)}</span>${c.target !== undefined ? ` <span class="sp-target">${esc(c.target)}</span>` : ''}<span class="sp-state sp-state-${c.state}">${esc(c.stateText)}</span></div>
<div class="sp-bars" role="img" aria-label="${esc(w.availability90(percentText(c.availability90, s.lang)))}">${c.days
      .map((d) => `<span class="sp-bar sp-bar-${barClass(d.percent)}" title="${esc(w.dayBar(d.day, percentText(d.percent, s.lang)))}"></span>`)
      .join('')}</div>
<div class="sp-legend"><span>${esc(w.days90)}</span><span class="sp-avail">${esc(w.availability90(percentText(c.availability90, s.lang)))}</span><span>${esc(w.today)}</span></div>
</li>`,
  )
  .join('\n')}
</ul></section>`);
  }

  if (s.hosts.length > 0) {
    parts.push(`<section class="sp-section sp-hosts" aria-labelledby="hosts-h"><h2 id="hosts-h">${esc(w.hosts)}</h2><ul class="sp-list">
${s.hosts.map((h) => `<li class="sp-host" data-state="${h.state}"><span class="sp-name">${esc(h.label)}</span><span class="sp-state sp-state-${h.state}">${esc(h.stateText)}</span></li>`).join('\n')}
</ul></section>`);
  }

  const resolved = s.incidents.filter((i) => i.state === 'resolved');
  parts.push(`<section class="sp-section sp-past" aria-labelledby="past-h"><h2 id="past-h">${esc(w.pastIncidents)}</h2>
${resolved.length > 0 ? resolved.map(incident).join('\n') : `<p class="sp-empty">${esc(w.noIncidents)}</p>`}
</section>`);

  parts.push(`<footer class="sp-foot"><span>${esc(w.updated(formatUtcMinute(s.generatedAt)))}</span> · <a href="${esc(`/status/${s.slug}.json`)}">JSON</a> · <span>${esc(w.poweredBy)}</span></footer>`);
  return page(s.lang, s.title, `<main class="sp-main">\n${parts.join('\n')}\n</main>`, `<link rel="alternate" type="application/json" href="${esc(`/status/${s.slug}.json`)}">\n`);
}

/** The one answer for a disabled, unknown or malformed slug (no hint which). */
export function renderMessage(lang: Lang, text: string): string {
  return page(lang, text, `<main class="sp-main"><p class="sp-overall sp-overall-unknown">${esc(text)}</p></main>`);
}
