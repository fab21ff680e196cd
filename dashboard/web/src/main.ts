import { normaliseHostId } from '../../../protocol/host-id.js';
import { alertCounts, onAlertsChange, startAlertsFeed, stopAlertsFeed } from './alerts-feed.js';
import { currentUser, loadSession, onUnauthenticated, onUserChange, sendJson, setSession } from './api.js';
import { h, replaceChildren, setText, type View } from './dom.js';
import { getLang, LANGUAGES, onLangChange, setLang, t, type Lang, type MessageKey } from './i18n/index.js';
import { closeConnection, onConnState, type ConnState } from './live.js';
import type { User } from './model.js';
import { createAccountView } from './views/account.js';
import { createAlertDefaultsView } from './views/admin-alert-defaults.js';
import { createChannelsView } from './views/admin-channels.js';
import { createEventsView } from './views/admin-events.js';
import { createGroupsView } from './views/admin-groups.js';
import { createHostsAdminView } from './views/admin-hosts.js';
import { createUsersView } from './views/admin-users.js';
import { createAlertsView } from './views/alerts.js';
import { createStatusView } from './views/admin-status.js';
import { createStatusPagesView } from './views/status-pages.js';
import { createBoxDisplayView } from './views/box-display.js';
import { createCheckDetailView } from './views/check-detail.js';
import { createChecksView } from './views/checks.js';
import { createDevicesView } from './views/devices.js';
import { createScriptsView } from './views/scripts.js';
import { createHostAlertsView } from './views/host-alerts.js';
import { createHostView } from './views/host.js';
import { createMaintenanceView } from './views/maintenance.js';
import { createOverview } from './views/overview.js';
import { createLoginView, createSetupView } from './views/sign-in.js';

/**
 * Boots the app: asks the server who is signed in, shows setup or login
 * until someone is, then the header (pages, user, connection, language) and
 * a hash router. The live socket opens only once signed in.
 */

const LOGO_PATH = 'M12 2 3 7v10l9 5 9-5V7l-9-5Zm0 4.2a5.8 5.8 0 1 1 0 11.6 5.8 5.8 0 0 1 0-11.6Zm0 3a2.8 2.8 0 1 0 0 5.6 2.8 2.8 0 0 0 0-5.6Z';

function logo(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.classList.add('logo');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', LOGO_PATH);
  path.setAttribute('fill-rule', 'evenodd');
  svg.appendChild(path);
  return svg;
}

/** The pages behind the header's links; `admin` ones are listed and opened for admins only, `operator` ones listed for operators and admins. */
const PAGES: { hash: string; label: MessageKey; admin: boolean; operator?: boolean; make: () => View }[] = [
  { hash: '#/', label: 'nav.overview', admin: false, make: createOverview },
  { hash: '#/alerts', label: 'nav.alerts', admin: false, make: createAlertsView },
  { hash: '#/checks', label: 'nav.checks', admin: false, make: createChecksView },
  { hash: '#/devices', label: 'nav.devices', admin: false, make: createDevicesView },
  { hash: '#/scripts', label: 'nav.scripts', admin: false, operator: true, make: createScriptsView },
  { hash: '#/maintenance', label: 'nav.maintenance', admin: false, make: createMaintenanceView },
  { hash: '#/account', label: 'nav.account', admin: false, make: createAccountView },
  { hash: '#/admin/users', label: 'nav.users', admin: true, make: createUsersView },
  { hash: '#/admin/groups', label: 'nav.groups', admin: true, make: createGroupsView },
  { hash: '#/admin/hosts', label: 'nav.hosts', admin: true, make: createHostsAdminView },
  { hash: '#/admin/events', label: 'nav.events', admin: true, make: createEventsView },
  { hash: '#/admin/channels', label: 'nav.channels', admin: true, make: createChannelsView },
  { hash: '#/admin/alert-defaults', label: 'nav.alertDefaults', admin: true, make: createAlertDefaultsView },
  { hash: '#/admin/status', label: 'nav.status', admin: true, make: createStatusView },
  { hash: '#/admin/status-pages', label: 'nav.statusPages', admin: false, operator: true, make: createStatusPagesView },
  { hash: '#/admin/box', label: 'nav.boxDisplay', admin: true, make: () => createBoxDisplayView({ title: t('box.title'), description: t('box.description') }) },
];

const tagline = h('span', { class: 'tagline' });
const connText = h('span');
const conn = h('span', { class: 'conn', 'data-conn': 'connecting', hidden: true }, h('span', { class: 'dot' }), connText);
const langSelect = h('select', { class: 'lang', 'aria-label': 'Language' },
  ...Object.entries(LANGUAGES).map(([code, l]) => h('option', { value: code }, l.name)));
langSelect.value = getLang();
langSelect.addEventListener('change', () => setLang(langSelect.value as Lang));
const nav = h('nav', { class: 'nav' });
const userName = h('span', { class: 'user-name', 'data-testid': 'user-name' });
const logoutButton = h('button', { type: 'button', class: 'btn small', 'data-testid': 'logout', on: { click: () => void logout() } });
const navbar = h('div', { class: 'navbar', hidden: true }, nav, h('div', { class: 'who' }, userName, logoutButton));
const header = h('header', { class: 'topbar' },
  h('a', { class: 'brand', href: '#/' }, logo(), h('span', { class: 'brand-name' }, 'Vigie'), tagline),
  h('div', { class: 'topbar-right' }, conn, langSelect),
  navbar);
const main = h('main', { class: 'content' });
// Firing alerts, wherever one is: a line under the header that links to the alerts page.
const bannerText = h('span', { class: 'banner-text' });
const bannerLink = h('a', { class: 'banner-link', href: '#/alerts' });
const banner = h('div', { class: 'alerts-banner', role: 'status', 'data-testid': 'alerts-banner', hidden: true }, h('span', { class: 'dot' }), bannerText, bannerLink);
// Kept across header re-renders so the live count stays put.
const navCount = h('span', { class: 'nav-count', 'data-testid': 'nav-alert-count', hidden: true });
document.body.replaceChildren(header, banner, main);

type Mode = 'boot' | 'setup' | 'login' | 'app';
let mode: Mode = 'boot';
let view: View | null = null;
let connState: ConnState = 'connecting';
let loginNotice: MessageKey | null = null;

const show = (next: View, title: string): void => {
  view?.destroy();
  view = next;
  replaceChildren(main, next.el);
  document.title = title ? `${title} · Vigie` : 'Vigie';
  window.scrollTo(0, 0);
};

const renderConn = (): void => {
  conn.hidden = mode !== 'app';
  conn.dataset.conn = connState;
  setText(connText, t(connState === 'live' ? 'conn.live' : connState === 'lost' ? 'conn.lost' : 'conn.connecting'));
};

/** Header texts and links for the current mode, user and language. */
const renderChrome = (): void => {
  document.documentElement.lang = getLang();
  setText(tagline, t('app.tagline'));
  langSelect.setAttribute('aria-label', t('lang.label'));
  renderConn();
  const user = currentUser();
  navbar.hidden = mode !== 'app' || !user;
  nav.setAttribute('aria-label', t('nav.label'));
  setText(logoutButton, t('nav.logout'));
  setText(userName, user?.name ?? '');
  if (user) userName.title = t(`role.${user.role}`);
  const active = activePage();
  replaceChildren(nav, ...PAGES.filter((p) => (!p.admin || user?.role === 'admin') && (!p.operator || user?.role !== 'viewer')).map((p) =>
    h('a', { href: p.hash, class: 'nav-link', 'aria-current': p === active ? 'page' : null }, t(p.label), p.hash === '#/alerts' ? navCount : null)));
  renderAlerts();
  // On phones the links scroll sideways: keep the current one in sight.
  nav.querySelector('[aria-current]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
};

/** The banner and the header count, from the live alert feed. */
function renderAlerts(): void {
  const c = alertCounts();
  banner.hidden = mode !== 'app' || c.total === 0;
  banner.dataset.state = c.critical > 0 ? 'critical' : 'warning';
  banner.dataset.critical = String(c.critical);
  banner.dataset.warning = String(c.warning);
  // One list of words for both: the header's count says what the banner says (issue 11).
  const list = [
    c.critical ? t('banner.critical', { n: c.critical }) : '',
    c.warning ? t('banner.warning', { n: c.warning }) : '',
  ].filter(Boolean).join(', ');
  setText(bannerText, `${t('banner.firing', { list })}${c.acknowledged ? ` ${t('banner.acked', { n: c.acknowledged })}` : ''}`);
  setText(bannerLink, t('banner.see'));
  navCount.hidden = c.total === 0;
  navCount.dataset.state = c.critical > 0 ? 'critical' : 'warning';
  navCount.dataset.critical = String(c.critical);
  navCount.dataset.warning = String(c.warning);
  setText(navCount, String(c.total));
  navCount.title = list;
  navCount.setAttribute('aria-label', `${t('banner.count', { n: c.total })}: ${list}`);
}

/** The header link to highlight: the host page belongs to the overview. */
function activePage(): (typeof PAGES)[number] | undefined {
  const hash = (location.hash || '#/').replace(/^(#\/alerts)\/\d+$/, '$1').replace(/^(#\/checks)\/[^/]+$/, '$1'); // one alert (check) belongs to the alerts (checks) page
  return PAGES.find((p) => p.hash === hash) ?? (hash.startsWith('#/host/') || !PAGES.some((p) => p.hash === hash) ? PAGES[0] : undefined);
}

function route(): void {
  if (mode !== 'app') return;
  renderChrome();
  const match = /^#\/host\/([^/]+)(\/alerts)?$/.exec(location.hash);
  if (match?.[1]) {
    let raw = match[1];
    try {
      raw = decodeURIComponent(raw);
    } catch {
      // keep it as typed; the id check below rejects it
    }
    const id = normaliseHostId(raw);
    const host = id.ok ? id.value : raw;
    if (match[2]) show(createHostAlertsView(host), t('rules.titleShort', { host }));
    else show(createHostView(host), host);
    return;
  }
  const checkId = /^#\/checks\/([^/]+)$/.exec(location.hash)?.[1];
  if (checkId) {
    let id = checkId;
    try {
      id = decodeURIComponent(checkId);
    } catch {
      // kept as typed: the server answers 404
    }
    show(createCheckDetailView(id), t('nav.checks'));
    return;
  }
  const alertId = /^#\/alerts\/(\d{1,12})$/.exec(location.hash)?.[1];
  if (alertId) {
    show(createAlertsView(Number(alertId)), t('nav.alerts'));
    return;
  }
  const found = PAGES.find((p) => p.hash === location.hash) ?? PAGES[0]!;
  if (found.admin && currentUser()?.role !== 'admin') {
    show({ el: h('p', { class: 'empty-state muted' }, t('admin.only')), destroy() {} }, t(found.label));
    return;
  }
  show(found.make(), found.hash === '#/' ? '' : t(found.label));
}

function enterApp(user: User, csrf: string | null): void {
  setSession(user, csrf);
  mode = 'app';
  loginNotice = null;
  startAlertsFeed();
  route();
}

function showLogin(): void {
  view?.destroy();
  view = null;
  stopAlertsFeed();
  closeConnection(); // also the socket's rooms: nothing live reaches a signed-out page
  mode = 'login';
  renderChrome();
  show(createLoginView((s) => enterApp(s.user, s.csrf), loginNotice ? t(loginNotice) : null), t('login.title'));
}

function showSetup(): void {
  mode = 'setup';
  renderChrome();
  show(createSetupView((s) => enterApp(s.user, s.csrf), () => void boot()), t('setup.title'));
}

async function logout(): Promise<void> {
  logoutButton.disabled = true;
  try {
    await sendJson('DELETE', '/api/session');
  } catch {
    // signed out here either way; the server forgets the session when it expires
  } finally {
    logoutButton.disabled = false;
  }
  setSession(null, null);
  loginNotice = null;
  showLogin();
}

/** First screen: the server says whether setup is pending, and who is signed in (by cookie). */
async function boot(): Promise<void> {
  try {
    const s = await loadSession();
    if (s.user) enterApp(s.user, s.csrf);
    else if (s.setupRequired) showSetup();
    else showLogin();
  } catch (error) {
    mode = 'boot';
    renderChrome();
    const retry = h('button', { type: 'button', class: 'btn', on: { click: () => void boot() } }, t('boot.retry'));
    show({ el: h('div', { class: 'empty-state' }, h('p', { role: 'alert' }, t('boot.error', { msg: (error as Error).message })), retry), destroy() {} }, '');
  }
}

onUnauthenticated(() => {
  // Several requests may fail together; the first switch is enough (no reload loop).
  if (mode !== 'app') return;
  loginNotice = 'login.expired';
  showLogin();
});
onUserChange((user) => {
  if (user && mode === 'app') renderChrome();
});
onConnState((s) => {
  connState = s;
  renderConn();
});
window.addEventListener('hashchange', route);
onAlertsChange(renderAlerts);
onLangChange(() => {
  langSelect.value = getLang();
  renderChrome();
  // Views read their strings when built: rebuild the current one.
  if (mode === 'app') route();
  else if (mode === 'login') showLogin();
  else if (mode === 'setup') showSetup();
  else void boot();
});
renderChrome();
void boot();
