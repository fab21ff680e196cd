import type { HostSummary } from '../../../../ingest/types.js';
import { h, replaceChildren, setText } from '../dom.js';
import { t, type MessageKey } from '../i18n/index.js';
import { deviceSource } from '../model.js';

/**
 * The lines a device's host page adds under its title (issue 13): "SNMP
 * device · polled by <poller> · <address>", what the device says it is
 * (sysDescr, sysLocation, sysContact) and, while it is offline, why in words
 * with the poller's own error. Everything a device reports is text: a
 * hostile sysDescr stays a string.
 */

/** Offline reasons the poller and server publish (DEVICE_OFFLINE_REASONS), with a sentence each. */
const REASONS = ['snmp-timeout', 'snmp-auth', 'snmp-error', 'poller-offline'] as const;

/** The sentence for a device's offline reason; other reasons (stale, lost) get the generic one. */
export function offlineReasonText(reason: string, poller: string): string {
  const known = (REASONS as readonly string[]).includes(reason) ? reason : 'other';
  return t(`device.reason.${known}` as MessageKey, { poller, reason });
}

export interface DeviceHead {
  el: HTMLElement;
  /** Shows the lines for a device, hides them for an agent's host. */
  update(host: HostSummary): void;
}

export function createDeviceHead(): DeviceHead {
  const poller = h('a', { class: 'link mono', 'data-testid': 'device-poller' });
  const address = h('span', { class: 'mono', 'data-testid': 'device-address' });
  const line = h('div', { class: 'device-line', 'data-testid': 'device-line' },
    h('span', null, t('device.kind')), ' · ', t('device.polledBy'), ' ', poller, ' · ', address);
  const descr = h('div', { class: 'device-descr muted', 'data-testid': 'device-descr', hidden: true });
  const where = h('div', { class: 'device-where muted small', 'data-testid': 'device-where', hidden: true });
  const reason = h('strong', { 'data-testid': 'device-reason' });
  const error = h('div', { class: 'mono device-error', 'data-testid': 'device-error', hidden: true });
  const offline = h('div', { class: 'device-offline', role: 'status', 'data-testid': 'device-offline', hidden: true }, reason, error);
  const el = h('div', { class: 'device-head', 'data-testid': 'device-head', hidden: true }, line, descr, where, offline);

  return {
    el,
    update(host) {
      const src = deviceSource(host.info);
      el.hidden = !src;
      if (!src) return;
      setText(poller, src.poller);
      poller.setAttribute('href', `#/host/${encodeURIComponent(src.poller)}`);
      setText(address, src.address);
      setText(descr, src.sysDescr ?? '');
      descr.title = src.sysDescr ?? '';
      descr.hidden = !src.sysDescr;
      const parts = [
        src.sysLocation ? t('device.location', { v: src.sysLocation }) : '',
        src.sysContact ? t('device.contact', { v: src.sysContact }) : '',
      ].filter(Boolean);
      replaceChildren(where, parts.join(' · '));
      where.hidden = parts.length === 0;
      const isOffline = host.presence === 'offline';
      offline.hidden = !isOffline;
      if (isOffline) {
        // The status topic's reason is the poller's (or the server's, poller-offline); the summary's may say stale.
        const why = host.status?.state === 'offline' ? host.status.reason : host.reason;
        offline.dataset.reason = why;
        setText(reason, offlineReasonText(why, src.poller));
        const detail = host.status?.state === 'offline' ? host.status.error : undefined;
        setText(error, detail ?? '');
        error.hidden = !detail;
      }
    },
  };
}
