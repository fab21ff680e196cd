/**
 * The public page's stylesheet, served at /status/assets/status.css (the
 * CSP allows styles from 'self' only). Kept in code so the page needs no
 * build step of the web app; light and dark follow the reader's system.
 */
export const STATUS_CSS = `:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --card: #ffffff; --text: #1d2330; --muted: #5d6678; --line: #dde1e8;
  --up: #2e9d57; --some: #e0a100; --down: #d33c3c; --none: #c9ced8; --maint: #3b6fd8;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #111418; --card: #1a1f26; --text: #e6e9ef; --muted: #9aa3b2; --line: #2b323c; --none: #3a424e; }
}
* { box-sizing: border-box; }
body.sp { margin: 0; background: var(--bg); color: var(--text); font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.sp-main { max-width: 860px; margin: 0 auto; padding: 24px 16px 40px; }
.sp-head { display: flex; align-items: flex-start; justify-content: space-between; gap: 16px; margin-bottom: 20px; }
.sp-head h1 { margin: 0; font-size: 1.7rem; line-height: 1.2; overflow-wrap: anywhere; }
.sp-desc { margin: 6px 0 0; color: var(--muted); overflow-wrap: anywhere; }
.sp-lang { flex: none; color: var(--muted); font-size: .9rem; padding: 4px 10px; border: 1px solid var(--line); border-radius: 999px; text-decoration: none; }
.sp-lang:hover { color: var(--text); }
.sp-overall { margin: 0 0 24px; padding: 16px 20px; border-radius: 10px; color: #fff; font-weight: 600; font-size: 1.15rem; background: var(--up); }
.sp-overall-partial { background: var(--some); color: #1d2330; }
.sp-overall-major { background: var(--down); }
.sp-overall-unknown { background: var(--none); color: var(--text); }
.sp-section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 20px; margin-bottom: 20px; }
.sp-section h2 { margin: 0 0 12px; font-size: 1.05rem; }
.sp-list { list-style: none; margin: 0; padding: 0; }
.sp-list > li { padding: 12px 0; border-top: 1px solid var(--line); }
.sp-list > li:first-child { border-top: 0; padding-top: 0; }
.sp-row, .sp-host { display: flex; align-items: baseline; flex-wrap: wrap; gap: 4px 10px; }
.sp-name { font-weight: 600; overflow-wrap: anywhere; }
.sp-kind { font-size: .8rem; color: var(--muted); border: 1px solid var(--line); border-radius: 4px; padding: 0 5px; }
.sp-target { font: .85rem ui-monospace, SFMono-Regular, Menlo, monospace; color: var(--muted); overflow-wrap: anywhere; }
.sp-state { margin-left: auto; font-weight: 600; font-size: .95rem; }
.sp-state-up, .sp-state-online { color: var(--up); }
.sp-state-partial { color: #b07d00; }
.sp-state-down, .sp-state-offline { color: var(--down); }
.sp-state-pending, .sp-state-paused, .sp-state-unknown { color: var(--muted); }
.sp-bars { display: flex; gap: 2px; height: 34px; margin-top: 10px; }
.sp-bar { flex: 1 1 0; min-width: 1px; border-radius: 2px; background: var(--none); }
.sp-bar-up { background: var(--up); }
.sp-bar-some { background: var(--some); }
.sp-bar-down { background: var(--down); }
.sp-bar:hover { opacity: .7; }
.sp-legend { display: flex; justify-content: space-between; gap: 8px; margin-top: 4px; font-size: .8rem; color: var(--muted); }
.sp-avail { text-align: center; }
.sp-incident { padding: 10px 0; border-top: 1px solid var(--line); }
.sp-incident:first-of-type { border-top: 0; padding-top: 0; }
.sp-incident h3 { margin: 0; font-size: 1rem; overflow-wrap: anywhere; }
.sp-body { margin: 6px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.sp-when { margin: 4px 0 0; color: var(--muted); font-size: .85rem; }
.sp-badge { display: inline-block; font-size: .75rem; font-weight: 600; padding: 1px 7px; border-radius: 999px; background: var(--none); color: var(--text); vertical-align: 1px; }
.sp-badge-investigating { background: var(--down); color: #fff; }
.sp-badge-identified { background: var(--some); color: #1d2330; }
.sp-badge-monitoring { background: var(--maint); color: #fff; }
.sp-badge-resolved { background: var(--up); color: #fff; }
.sp-open { border-color: var(--down); }
.sp-maint { display: flex; flex-wrap: wrap; gap: 4px 10px; align-items: baseline; }
.sp-maint .sp-when { margin: 0; }
.sp-maint-now .sp-badge { background: var(--maint); color: #fff; }
.sp-empty { margin: 0; color: var(--muted); }
.sp-foot { color: var(--muted); font-size: .85rem; text-align: center; }
.sp-foot a { color: inherit; }
@media (max-width: 520px) {
  .sp-main { padding: 16px 10px 32px; }
  .sp-head h1 { font-size: 1.35rem; }
  .sp-section { padding: 14px 12px; }
  .sp-bars { gap: 1px; height: 28px; }
  .sp-bar { border-radius: 1px; }
}
`;
