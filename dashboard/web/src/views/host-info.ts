import type { InfoPayload, ServicesPayload } from '../../../../protocol/payloads.js';
import { h, replaceChildren } from '../dom.js';
import { formatBytes, formatDateTime } from '../format.js';
import { t } from '../i18n/index.js';

/** The host page's side panels: what the machine is, and its services. */

export function createInfoPanel(): { el: HTMLElement; update(info: InfoPayload | null): void } {
  const body = h('div');
  const el = h('section', { class: 'panel info' }, h('h3', null, t('info.title')), body);
  return {
    el,
    update(info) {
      if (!info) {
        replaceChildren(body, h('p', { class: 'muted' }, t('info.none')));
        return;
      }
      const row = (label: string, ...value: Array<Node | string>) => [h('dt', null, label), h('dd', null, ...value)];
      const src = info.source?.kind === 'snmp' ? info.source : null;
      if (src) {
        // A device (issue 13): what SNMPv2-MIB says, not an OS an agent read.
        replaceChildren(body, h('dl', { class: 'kv', 'data-testid': 'device-info' },
          ...(src.sysDescr ? row(t('device.descr'), src.sysDescr) : []),
          ...(src.sysObjectID ? row(t('device.objectId'), h('span', { class: 'mono' }, src.sysObjectID)) : []),
          ...row(t('device.address'), h('span', { class: 'mono' }, src.address)),
          ...row(t('device.poller'), h('a', { class: 'link mono', href: `#/host/${encodeURIComponent(src.poller)}` }, src.poller)),
          ...(src.sysLocation ? row(t('device.locationLabel'), src.sysLocation) : []),
          ...(src.sysContact ? row(t('device.contactLabel'), src.sysContact) : []),
          ...(info.memTotal > 0 ? row(t('info.memory'), formatBytes(info.memTotal)) : []),
          ...(info.bootTime > 0 ? row(t('info.boot'), formatDateTime(info.bootTime)) : []),
          ...row(t('device.pollerAgent'), info.agent)));
        return;
      }
      const os = [info.os.distro, info.os.release].filter(Boolean).join(' ') || info.os.platform;
      const addresses = info.addresses
        .filter((a) => a.ip4 || a.ip6)
        .slice(0, 8)
        .map((a) => h('div', { class: 'addr' }, h('span', { class: 'mono' }, a.ip4 ?? a.ip6 ?? ''), h('span', { class: 'muted' }, ` ${a.iface}`)));
      replaceChildren(body, h('dl', { class: 'kv' },
        ...row(t('info.hostname'), h('span', { class: 'mono' }, info.hostname)),
        ...row(t('info.os'), os),
        ...row(t('info.kernel'), info.kernel),
        ...row(t('info.arch'), info.arch),
        ...row(t('info.cpu'), info.cpu.model, h('br'), h('span', { class: 'muted' }, t('info.cores', { n: info.cpu.cores }))),
        ...row(t('info.memory'), formatBytes(info.memTotal)),
        ...row(t('info.boot'), formatDateTime(info.bootTime)),
        ...(addresses.length ? row(t('info.addresses'), ...addresses) : []),
        ...row(t('info.agent'), info.agent)));
    },
  };
}

const STATE_ORDER: Record<string, number> = { failed: 0, stopping: 1, starting: 2, stopped: 3, unknown: 4, running: 5 };
const MAX_SHOWN = 300;

export function createServicesPanel(): { el: HTMLElement; update(s: ServicesPayload | null): void } {
  const summary = h('span', { class: 'muted panel-note' });
  const filter = h('input', { type: 'search', class: 'filter', placeholder: t('services.filter'), 'aria-label': t('services.filter') });
  const list = h('ul', { class: 'services' });
  const el = h('section', { class: 'panel services-panel' }, h('div', { class: 'panel-head' }, h('h3', null, t('services.title')), summary), filter, list);
  let current: ServicesPayload | null = null;

  const render = (): void => {
    const all = current?.services ?? [];
    filter.hidden = all.length < 8;
    if (all.length === 0) {
      summary.textContent = '';
      replaceChildren(list, h('li', { class: 'muted' }, t('services.none')));
      return;
    }
    summary.textContent = t('services.summary', { running: all.filter((s) => s.state === 'running').length, n: all.length });
    const needle = filter.value.trim().toLowerCase();
    const shown = all
      .filter((s) => !needle || s.name.toLowerCase().includes(needle))
      .sort((a, b) => (STATE_ORDER[a.state] ?? 9) - (STATE_ORDER[b.state] ?? 9) || a.name.localeCompare(b.name))
      .slice(0, MAX_SHOWN);
    if (shown.length === 0) {
      replaceChildren(list, h('li', { class: 'muted' }, t('services.noMatch')));
      return;
    }
    replaceChildren(list, ...shown.map((s) => h('li', { 'data-state': s.state },
      h('span', { class: 'dot' }),
      h('span', { class: 'svc-name' }, s.name),
      s.enabled ? h('span', { class: 'svc-boot muted' }, t('services.enabled')) : null,
      h('span', { class: 'svc-state' }, t(`service.${s.state}`)))));
  };
  filter.addEventListener('input', render);
  return {
    el,
    update(s) {
      current = s;
      render();
    },
  };
}
