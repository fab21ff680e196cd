import type { DiagnosisAnswer } from '../../../server/api/diagnosis.js';
import type { Proc } from '../../../../protocol/payloads.js';
import { ApiError, currentUser, idPath, sendJson } from '../api.js';
import { h, replaceChildren, setText } from '../dom.js';
import { formatBytes, formatDuration, formatNumber, formatPercent } from '../format.js';
import { locale, t } from '../i18n/index.js';
import { button, dataTable } from './ui.js';

type Order = 'cpu' | 'mem';

/**
 * The host page's "Top processes" panel: a button asks the host's agent now
 * (POST /api/hosts/:id/diagnosis, the same read-only `top` an alert asks
 * for) and shows its processes by CPU or by memory, with the time the
 * answer took. Operators and admins only, as the server allows; viewers get
 * no panel. Offline, busy, silent or throttled agents get a sentence saying
 * so in the page's language.
 */
export function createProcessesPanel(host: string): HTMLElement | null {
  if (currentUser()?.role === 'viewer') return null;
  let answer: DiagnosisAnswer | null = null;
  let order: Order = 'cpu';

  const ask = button(t('processes.run'), { class: 'btn', 'data-testid': 'processes-run' }, () => void run());
  const orderBar = h('div', { class: 'ranges', role: 'group', 'aria-label': t('processes.order'), hidden: true });
  const status = h('p', { class: 'form-msg', 'aria-live': 'polite', hidden: true, 'data-testid': 'processes-msg' });
  const detail = h('p', { class: 'muted small processes-detail', hidden: true });
  const meta = h('p', { class: 'muted small', 'data-testid': 'processes-meta', hidden: true });
  const table = dataTable([t('processes.pid'), t('processes.name'), t('processes.user'), t('processes.cpu'), t('processes.mem')], t('processes.empty'));
  table.el.hidden = true;
  const el = h('section', { class: 'panel processes', 'data-testid': 'processes' },
    h('div', { class: 'panel-head processes-head' }, h('h3', null, t('processes.title')), h('div', { class: 'processes-actions' }, orderBar, ask)),
    h('p', { class: 'muted small' }, t('processes.intro')),
    status, detail, meta, table.el);

  const say = (kind: 'error' | 'ok', text: string, extra = ''): void => {
    status.dataset.kind = kind;
    status.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    setText(status, text);
    status.hidden = false;
    setText(detail, extra);
    detail.hidden = !extra;
  };

  const renderOrder = (): void => {
    orderBar.hidden = answer === null;
    replaceChildren(orderBar, ...(['cpu', 'mem'] as const).map((o) => h('button', {
      type: 'button', class: 'range', 'aria-pressed': o === order ? 'true' : 'false', 'data-testid': `processes-by-${o}`,
      on: { click: () => { order = o; renderOrder(); renderTable(); } },
    }, t(o === 'cpu' ? 'processes.byCpu' : 'processes.byMem'))));
  };

  const renderTable = (): void => {
    table.clear();
    if (!answer) return;
    const list: Proc[] = order === 'cpu' ? answer.data.byCpu : answer.data.byMem;
    for (const p of list) {
      table.row({ 'data-testid': 'process-row', 'data-pid': p.pid, 'data-cpu': p.cpu, 'data-rss': p.rss }, [
        h('span', { class: 'mono' }, String(p.pid)),
        h('span', { class: 'strong' }, p.name),
        p.user ?? '–',
        // Percent of one core, as top shows it: 200 % is two cores busy.
        formatPercent(p.cpu, 1),
        `${formatBytes(p.rss)} · ${formatPercent(p.memPercent, 1)}`,
      ]);
    }
    table.el.hidden = false;
  };

  const run = async (): Promise<void> => {
    ask.disabled = true;
    el.setAttribute('aria-busy', 'true');
    say('ok', t('processes.asking'));
    try {
      answer = await sendJson<DiagnosisAnswer>('POST', idPath('hosts', host, '/diagnosis'), { action: 'top', limit: 10 });
      status.hidden = true;
      detail.hidden = true;
      setText(meta, t('processes.meta', {
        elapsed: `${formatNumber(answer.elapsedMs / 1000, 1)} s`,
        time: new Intl.DateTimeFormat(locale(), { timeStyle: 'medium' }).format(answer.requestedAt),
        interval: formatNumber(answer.data.interval, 1),
        cores: answer.data.cores,
      }));
      meta.hidden = false;
      setText(ask, t('processes.again'));
      renderOrder();
      renderTable();
    } catch (error) {
      const [text, extra] = failure(error);
      say('error', text, extra);
    } finally {
      ask.disabled = false;
      el.removeAttribute('aria-busy');
    }
  };

  renderOrder();
  return el;
}

/** A failure as a sentence in the page's language, and the server's own words as a detail. */
function failure(error: unknown): [string, string] {
  if (!(error instanceof ApiError)) return [t('processes.failed'), error instanceof Error ? error.message : String(error)];
  switch (error.code) {
    case 'VIGIE_ERR_HOST_OFFLINE': return [t('processes.offline'), ''];
    case 'VIGIE_ERR_RATE_LIMITED': return [t('processes.throttled', { wait: formatDuration(error.retryAfter ?? 10) }), ''];
    case 'VIGIE_ERR_UNAVAILABLE': return [t('processes.unavailable'), error.message];
    case 'VIGIE_ERR_FORBIDDEN': return [t('processes.forbidden'), ''];
    case 'VIGIE_ERR_BAD_REQUEST': return [t('processes.refused'), error.message];
    default: return [t('processes.failed'), error.message];
  }
}
