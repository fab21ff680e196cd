/**
 * Fixed states the golden pages are drawn from. `NOW` is a multiple of the
 * burn-in period, so the offset is (0, 0) unless a test moves the time.
 */
import type { ScreenSize } from '../../oled/framebuffer.js';
import type { OledState, ShownAlert } from '../../oled/state.js';
import { SHIFT_EVERY_MS } from '../../oled/schedule.js';

export const NOW = 1_000 * SHIFT_EVERY_MS;
export const SIZES: ScreenSize[] = [{ width: 128, height: 64 }, { width: 128, height: 32 }];

export const DISK_ALERT: ShownAlert = {
  host: 'web-01', rule: 'disk:/var', severity: 'critical', title: 'Disk /var is 96% full on web-01',
  value: 96.2, unit: 'percent', threshold: 90, since: NOW - 12 * 60_000, firedAt: NOW - 12 * 60_000, acknowledged: false, maintenance: false,
};
export const CPU_WARNING: ShownAlert = {
  host: 'lab-pc-07', rule: 'cpu', severity: 'warning', title: 'CPU busy: 91% for 5 minutes',
  value: 91, unit: 'percent', threshold: 85, since: NOW - 5 * 60_000, firedAt: NOW - 5 * 60_000, acknowledged: false, maintenance: false,
};
export const MAINTENANCE_ALERT: ShownAlert = {
  host: 'db-02', rule: 'service:postgresql', severity: 'critical', title: 'Service postgresql stopped (mise à jour)',
  value: null, unit: 'state', threshold: null, since: NOW - 3 * 60_000, firedAt: NOW - 3 * 60_000, acknowledged: false, maintenance: true,
};

export function sampleState(size: ScreenSize, overrides: Partial<OledState> = {}): OledState {
  return {
    size,
    host: 'vigie-box',
    localAddresses: ['10.0.0.9'],
    metrics: { ts: NOW - 2000, cpu: 37.4, mem: 62.1 },
    summary: {
      ts: NOW - 1000, serverOnline: true, total: 6, online: 5, offline: 1,
      firing: 2, critical: 1, warning: 1, maintenance: 0, addresses: ['192.168.1.20'],
    },
    alerts: [CPU_WARNING, DISK_ALERT],
    night: false,
    ...overrides,
  };
}

/** The golden cases: name → state and page. */
export function goldenCases(size: ScreenSize): Array<{ name: string; state: OledState; page: 'box' | 'fleet' | 'alert' }> {
  return [
    { name: 'box', state: sampleState(size), page: 'box' },
    { name: 'box-no-metrics', state: sampleState(size, { metrics: null, summary: null, night: true }), page: 'box' },
    { name: 'fleet', state: sampleState(size), page: 'fleet' },
    { name: 'fleet-maintenance', state: sampleState(size, { summary: { ...sampleState(size).summary!, offline: 0, online: 6, firing: 1, critical: 1, warning: 0, maintenance: 1 } }), page: 'fleet' },
    { name: 'fleet-server-offline', state: sampleState(size, { summary: { ...sampleState(size).summary!, serverOnline: false } }), page: 'fleet' },
    { name: 'alert', state: sampleState(size), page: 'alert' },
    { name: 'alert-maintenance', state: sampleState(size, { alerts: [MAINTENANCE_ALERT] }), page: 'alert' },
    { name: 'alert-none', state: sampleState(size, { alerts: [] }), page: 'alert' },
  ];
}
