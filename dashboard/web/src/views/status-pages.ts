import { apiPath, currentUser, getJson, idPath, sendJson } from '../api.js';
import { h, replaceChildren, type View } from '../dom.js';
import { t, type MessageKey } from '../i18n/index.js';
import { button, confirmButton, dataTable, field, input, messageLine, onSubmit, page, panel, secretBox, type MessageLine } from './ui.js';

/**
 * `#/admin/status-pages` (issue 12, item 7): admins create public status
 * pages for a group, choose its hosts and checks, turn them on and copy their
 * link; operators write the incident notes of their groups' pages.
 */

const INCIDENT_STATES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
type IncidentState = (typeof INCIDENT_STATES)[number];

interface Incident { id: number; title: string; body: string; state: IncidentState; updatedAt: number }
interface StatusPageView {
  id: number; slug: string; groupId: number; groupName: string | null; title: string; description: string | null;
  enabled: boolean; showTargets: boolean; hosts: string[]; checks: string[]; url: string; incidents: Incident[];
}
interface Choices { id: number; name: string; hosts: Array<{ id: string; label: string | null }>; checks: Array<{ id: string; name: string; kind: string }> }

const stateKey = (s: IncidentState): MessageKey => `sp.state.${s}` as MessageKey;

/** Checkboxes over string ids (hosts, checks). */
function idBoxes(legend: string, items: Array<{ id: string; name: string }>, checked: readonly string[], testid: string): { el: HTMLElement; values(): string[] } {
  const on = new Set(checked);
  const boxes = items.map((item) => ({ id: item.id, box: h('input', { type: 'checkbox', value: item.id, checked: on.has(item.id) }) }));
  const el = h('fieldset', { class: 'checks', 'data-testid': testid }, h('legend', null, legend),
    ...(boxes.length ? boxes.map(({ box }, i) => h('label', { class: 'check' }, box, items[i]?.name ?? '')) : [h('span', { class: 'muted' }, t('sp.noneInGroup'))]));
  return { el, values: () => boxes.filter(({ box }) => box.checked).map(({ id }) => id) };
}

function stateSelect(value: IncidentState, testid: string): HTMLSelectElement {
  const select = h('select', { class: 'input', 'data-testid': testid, 'aria-label': t('sp.noteState') }, ...INCIDENT_STATES.map((s) => h('option', { value: s }, t(stateKey(s)))));
  select.value = value;
  return select;
}

export function createStatusPagesView(): View {
  const role = currentUser()?.role;
  // Viewers reach the link too (main.ts lists it for every role): they get a sentence, not a refused request.
  if (role !== 'admin' && role !== 'operator') return { el: page(t('nav.statusPages'), h('p', { class: 'empty-state muted' }, t('sp.operatorsOnly'))), destroy() {} };
  const admin = role === 'admin';
  const pageLine = messageLine();
  const table = dataTable([t('sp.title'), t('sp.group'), t('sp.public'), t('sp.link'), ''], t('sp.empty'));
  let choices: Choices[] = [];
  let destroyed = false;

  const load = async (): Promise<void> => {
    try {
      const [pages, groups] = await Promise.all([
        getJson<StatusPageView[]>(apiPath('/status-pages')),
        admin ? getJson<Choices[]>(apiPath('/status-pages/choices')) : Promise.resolve([]),
      ]);
      if (destroyed) return;
      choices = groups;
      renderGroupSelect();
      renderRows(pages);
    } catch (error) {
      if (!destroyed) pageLine.error(error);
    }
  };

  const patch = async (p: StatusPageView, body: Record<string, unknown>): Promise<void> => {
    await sendJson('PATCH', idPath('status-pages', p.id), body);
    await load();
  };

  /** Title, description, slug, targets, hosts and checks of one page. */
  const editForm = (p: StatusPageView, line: MessageLine, close: () => void): HTMLElement => {
    const group = choices.find((g) => g.id === p.groupId);
    const title = input({ required: true, maxlength: 100, value: p.title, 'data-testid': 'sp-edit-title' });
    const description = input({ maxlength: 500, value: p.description ?? '', 'data-testid': 'sp-edit-description' });
    const slug = input({ required: true, maxlength: 40, pattern: '[a-z0-9-]{1,40}', value: p.slug, 'data-testid': 'sp-edit-slug' });
    const targets = h('input', { type: 'checkbox', checked: p.showTargets, 'data-testid': 'sp-edit-targets' });
    const hosts = idBoxes(t('sp.hosts'), (group?.hosts ?? []).map((x) => ({ id: x.id, name: x.label ? `${x.label} (${x.id})` : x.id })), p.hosts, 'sp-edit-hosts');
    const checks = idBoxes(t('sp.checks'), (group?.checks ?? []).map((c) => ({ id: c.id, name: `${c.name} (${c.kind})` })), p.checks, 'sp-edit-checks');
    const f = h('form', { class: 'row-form column', 'data-testid': 'sp-edit-form' },
      field(t('sp.title'), title), field(t('sp.description'), description), field(t('sp.slug'), slug, t('sp.slugHint')),
      h('label', { class: 'check' }, targets, t('sp.showTargets')),
      hosts.el, checks.el,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'sp-edit-save' }, t('action.save')),
        button(t('action.cancel'), null, close)));
    onSubmit(f, line, () => patch(p, { title: title.value.trim(), description: description.value.trim() || null, slug: slug.value.trim(), showTargets: targets.checked, hosts: hosts.values(), checks: checks.values() }));
    return f;
  };

  /** The page's incident notes: change their state or text, write a new one. */
  const notesPanel = (p: StatusPageView, line: MessageLine): HTMLElement => {
    const list = h('ul', { class: 'sp-notes', 'data-testid': 'sp-notes' });
    for (const note of p.incidents) {
      const state = stateSelect(note.state, 'sp-note-state');
      const noteLine = messageLine();
      state.addEventListener('change', () => void onNoteState(p, note, state.value as IncidentState, noteLine));
      list.append(h('li', { class: 'sp-note', 'data-testid': 'sp-note', 'data-state': note.state },
        h('div', { class: 'sp-note-head' }, h('span', { class: 'strong' }, note.title), state,
          confirmButton(t('action.delete'), t('sp.deleteNoteQ', { title: note.title }), noteLine, async () => {
            await sendJson('DELETE', idPath('status-pages', p.id, `/incidents/${note.id}`));
            await load();
          })),
        note.body ? h('p', { class: 'sp-note-body' }, note.body) : null,
        noteLine.el));
    }
    const title = input({ required: true, maxlength: 120, 'data-testid': 'sp-note-title' });
    const body = h('textarea', { class: 'input', maxlength: 2000, rows: 3, 'data-testid': 'sp-note-body' });
    const state = stateSelect('investigating', 'sp-note-new-state');
    const f = h('form', { class: 'row-form column', 'data-testid': 'sp-note-form' },
      field(t('sp.noteTitle'), title), field(t('sp.noteBody'), body, t('sp.noteHint')), field(t('sp.noteState'), state),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'sp-note-add' }, t('sp.addNote'))));
    onSubmit(f, line, async () => {
      await sendJson('POST', idPath('status-pages', p.id, '/incidents'), { title: title.value.trim(), body: body.value.trim(), state: state.value });
      await load();
    });
    return h('div', { class: 'sp-notes-panel' }, h('h3', null, t('sp.notes')), p.incidents.length ? list : h('p', { class: 'muted' }, t('sp.noNotes')), f);
  };

  const onNoteState = async (p: StatusPageView, note: Incident, state: IncidentState, line: MessageLine): Promise<void> => {
    try {
      await sendJson('PATCH', idPath('status-pages', p.id, `/incidents/${note.id}`), { state });
      await load();
    } catch (error) {
      line.error(error);
    }
  };

  const openEditors = new Set<number>();
  const renderRows = (pages: StatusPageView[]): void => {
    table.clear();
    for (const p of pages) {
      const line = messageLine({ 'data-testid': 'row-error' });
      const editor = h('div', { class: 'sp-editor' });
      const showNotes = (): void => {
        openEditors.add(p.id);
        replaceChildren(editor, notesPanel(p, line));
      };
      const actions = h('div', { class: 'actions' },
        admin ? button(p.enabled ? t('sp.disable') : t('sp.enable'), { 'data-testid': 'sp-toggle', class: p.enabled ? 'btn' : 'btn primary' }, () => void patch(p, { enabled: !p.enabled }).catch((e: unknown) => line.error(e))) : null,
        admin ? button(t('sp.edit'), { 'data-testid': 'sp-edit' }, () => { openEditors.delete(p.id); replaceChildren(editor, editForm(p, line, () => replaceChildren(editor))); }) : null,
        button(t('sp.notes'), { 'data-testid': 'sp-open-notes' }, showNotes),
        admin ? confirmButton(t('action.delete'), t('sp.deleteQ', { title: p.title }), line, async () => {
          await sendJson('DELETE', idPath('status-pages', p.id));
          await load();
        }, { 'data-testid': 'sp-delete' }) : null);
      if (openEditors.has(p.id)) showNotes();
      table.row({ 'data-testid': 'sp-row', 'data-slug': p.slug }, [
        h('span', null, h('span', { class: 'strong' }, p.title), h('br'), h('span', { class: 'muted mono' }, p.slug)),
        p.groupName ?? '–',
        h('span', { class: p.enabled ? 'pill pill-on' : 'pill', 'data-testid': 'sp-enabled' }, p.enabled ? t('sp.on') : t('sp.off')),
        p.enabled ? secretBox(p.url, 'sp-link') : h('span', { class: 'muted' }, t('sp.offHint')),
        h('div', null, actions, editor, line.el),
      ]);
    }
  };

  const groupSelect = h('select', { class: 'input', required: true, 'data-testid': 'sp-new-group' });
  const renderGroupSelect = (): void => {
    const value = groupSelect.value;
    replaceChildren(groupSelect, ...choices.map((g) => h('option', { value: g.id }, g.name)));
    if (choices.some((g) => String(g.id) === value)) groupSelect.value = value;
  };
  const newTitle = input({ required: true, maxlength: 100, 'data-testid': 'sp-new-title' });
  const newSlug = input({ required: true, maxlength: 40, pattern: '[a-z0-9-]{1,40}', placeholder: 'lab-services', title: t('sp.slugHint'), 'data-testid': 'sp-new-slug' });
  const formLine = messageLine({ 'data-testid': 'sp-new-error' });
  const form = h('form', { class: 'form inline-form', 'data-testid': 'sp-new-form' },
    field(t('sp.group'), groupSelect), field(t('sp.title'), newTitle), field(t('sp.slug'), newSlug),
    h('button', { type: 'submit', class: 'btn primary' }, t('sp.create')), formLine.el);
  onSubmit(form, formLine, async () => {
    await sendJson('POST', apiPath('/status-pages'), { groupId: Number(groupSelect.value), title: newTitle.value.trim(), slug: newSlug.value.trim() });
    newTitle.value = '';
    newSlug.value = '';
    await load();
  });

  const el = page(t('nav.statusPages'), h('p', { class: 'muted' }, admin ? t('sp.introAdmin') : t('sp.introOperator')), pageLine.el,
    panel(null, table.el), admin ? panel(t('sp.create'), form) : null);
  void load();
  return { el, destroy() { destroyed = true; } };
}
