import type { EnrollmentToken } from '../../../../accounts/enrollment-tokens.js';
import type { InstallInfo } from '../../../../dashboard/server/api/enrollment-tokens.js';
import { isOutdated } from '../../../../core/semver.js';
import { apiPath, idPath, sendJson } from '../api.js';
import { h } from '../dom.js';
import { formatDateTime } from '../format.js';
import { t } from '../i18n/index.js';
import type { Enrollment } from '../model.js';
import { button, confirmButton, dataTable, messageLine, panel, secretBox } from './ui.js';

export type { EnrollmentToken, InstallInfo };

/**
 * The install side of Hosts & agents (issue 11): the warning when the box
 * would hand out an address other machines cannot use, the install lines of
 * a new token, the pending tokens, and an agent's version.
 */

/** The fix for a loopback or documentation address, or nothing when both URLs look usable. */
export function addressWarning(info: InstallInfo): HTMLElement | null {
  const lines: HTMLElement[] = [];
  if (info.publicUrlProblem) lines.push(h('p', null, t('install.warnUrl', { url: info.publicUrl, kind: t(`install.kind.${info.publicUrlProblem}`) })));
  if (info.brokerProblem) lines.push(h('p', null, t('install.warnBroker', { url: info.broker, kind: t(`install.kind.${info.brokerProblem}`) })));
  if (lines.length === 0) return null;
  return h('div', { class: 'install-warning', role: 'alert', 'data-testid': 'install-warning' }, h('strong', null, t('install.warnTitle')), ...lines, h('p', { class: 'muted small' }, t('install.warnFix')));
}

/** The three install lines of a new token, each with its copy button. */
export function enrollmentResult(e: Enrollment, replaces: boolean, onDone: () => void): HTMLElement[] {
  const line = (title: string, hint: string, text: string, testid: string): HTMLElement =>
    h('div', { class: 'install-line' }, h('h3', { class: 'install-line-title' }, title), h('p', { class: 'muted small' }, hint), secretBox(text, testid));
  return [
    h('h2', { class: 'panel-title' }, t('install.title', { host: e.host })),
    h('p', { class: 'warn', role: 'status', 'data-testid': 'install-expiry' }, t('install.once', { when: formatDateTime(e.expiresAt) })),
    replaces ? h('p', { class: 'warn' }, t('install.replaces', { host: e.host })) : null,
    line(t('install.linux'), t('install.linuxHint'), e.command, 'install-linux'),
    line(t('install.noRoot'), t('install.noRootHint'), e.commandNoService, 'install-nosvc'),
    line(t('install.windows'), t('install.windowsHint'), e.commandWindows, 'install-windows'),
    h('p', { class: 'muted small' }, t('install.needsNode')),
    h('p', { class: 'muted small' }, t('install.upgrade')),
    button(t('action.done'), { 'data-testid': 'enroll-done' }, onDone),
  ].filter((x): x is HTMLElement => x !== null);
}

/** Pending tokens, with Cancel; hidden when there are none. */
export function pendingPanel(tokens: EnrollmentToken[], reload: () => Promise<void>): HTMLElement | null {
  if (tokens.length === 0) return null;
  const table = dataTable([t('access.host'), t('install.createdBy'), t('install.createdAt'), t('install.expiresAt'), ''], '');
  for (const tok of tokens) {
    const line = messageLine();
    table.row({ 'data-testid': 'pending-row', 'data-host': tok.host }, [
      h('span', { class: 'mono' }, tok.host),
      tok.createdBy,
      formatDateTime(tok.createdAt),
      formatDateTime(tok.expiresAt),
      h('div', null, confirmButton(t('install.cancel'), t('install.cancelQ', { host: tok.host }), line, async () => {
        await sendJson('DELETE', idPath('enrollment-tokens', tok.id));
        await reload();
      }, { 'data-testid': 'pending-cancel' }), line.el),
    ]);
  }
  return panel(t('install.pending'), h('p', { class: 'muted small' }, t('install.pendingIntro')), table.el);
}

/** The agent's version, with an "outdated" badge when older than the box's. */
export function agentVersionCell(version: string | null, boxVersion: string | null): HTMLElement {
  if (!version) return h('span', { class: 'muted', 'data-testid': 'agent-version' }, '–');
  const old = boxVersion !== null && isOutdated(version, boxVersion);
  return h('div', null,
    h('span', { class: 'mono', 'data-testid': 'agent-version' }, version),
    old ? h('span', { class: 'tag outdated', 'data-testid': 'agent-outdated', title: t('install.outdatedHint', { version: boxVersion }) }, t('install.outdated')) : null);
}

/** POST /api/hosts: a token and its install lines. */
export const makeToken = (body: { host: string; owner?: number; groups?: number[]; rotate?: boolean }): Promise<Enrollment> => sendJson<Enrollment>('POST', apiPath('/hosts'), body);
