import { normaliseHostId } from '../../../protocol/host-id.js';
import { h, replaceChildren, setText, type View } from './dom.js';
import { getLang, LANGUAGES, onLangChange, setLang, t, type Lang } from './i18n/index.js';
import { onConnState, type ConnState } from './live.js';
import { createHostView } from './views/host.js';
import { createOverview } from './views/overview.js';

/** Boots the app: header (brand, connection, language) and a hash router. */

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

const tagline = h('span', { class: 'tagline' });
const connText = h('span');
const conn = h('span', { class: 'conn', 'data-conn': 'connecting' }, h('span', { class: 'dot' }), connText);
const langSelect = h('select', { class: 'lang', 'aria-label': 'Language' },
  ...Object.entries(LANGUAGES).map(([code, l]) => h('option', { value: code }, l.name)));
langSelect.value = getLang();
langSelect.addEventListener('change', () => setLang(langSelect.value as Lang));
const header = h('header', { class: 'topbar' },
  h('a', { class: 'brand', href: '#/' }, logo(), h('span', { class: 'brand-name' }, 'Vigie'), tagline),
  h('div', { class: 'topbar-right' }, conn, langSelect));
const main = h('main', { class: 'content' });
document.body.replaceChildren(header, main);

let connState: ConnState = 'connecting';
const renderChrome = (): void => {
  document.documentElement.lang = getLang();
  setText(tagline, t('app.tagline'));
  langSelect.setAttribute('aria-label', t('lang.label'));
  conn.dataset.conn = connState;
  setText(connText, t(connState === 'live' ? 'conn.live' : connState === 'lost' ? 'conn.lost' : 'conn.connecting'));
};
onConnState((s) => {
  connState = s;
  renderChrome();
});

let view: View | null = null;

function route(): void {
  view?.destroy();
  const match = /^#\/host\/(.+)$/.exec(location.hash);
  if (match?.[1]) {
    let raw = match[1];
    try {
      raw = decodeURIComponent(raw);
    } catch {
      // keep it as typed; the id check below rejects it
    }
    const id = normaliseHostId(raw);
    view = createHostView(id.ok ? id.value : raw);
    document.title = `${id.ok ? id.value : raw} · Vigie`;
  } else {
    view = createOverview();
    document.title = 'Vigie';
  }
  replaceChildren(main, view.el);
  window.scrollTo(0, 0);
}

window.addEventListener('hashchange', route);
onLangChange(() => {
  langSelect.value = getLang();
  renderChrome();
  route(); // views read their strings when built: rebuild the current one
});
renderChrome();
route();
