import { join } from 'node:path';
import { VigieError } from '../core/errors.js';
import { openSqlite, type Database } from '../core/sqlite.js';
import { systemClock, type Clock } from '../core/time.js';

/**
 * Public status pages (issue 12, item 7) in `<dataDir>/status-pages.db`: one
 * page per slug, belonging to one group of accounts.db, off until an admin
 * enables it (opt-in), with the hosts and checks it shows and the incident
 * notes operators write. Who wrote a note is not stored: nothing here may
 * name a user on a public page.
 */

export const SLUG_PATTERN = '^[a-z0-9-]{1,40}$';
const SLUG_RE = new RegExp(SLUG_PATTERN);
export const INCIDENT_STATES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];
export const LIMITS = { title: 100, description: 500, hosts: 50, checks: 50, incidentTitle: 120, incidentBody: 2000 } as const;

export interface StatusPage {
  id: number;
  slug: string;
  groupId: number;
  title: string;
  description: string | null;
  /** Off by default: a page is public only once an admin says so. */
  enabled: boolean;
  /** Show check targets (addresses, URLs); hidden unless chosen. */
  showTargets: boolean;
  /** Host ids shown, in the chosen order. */
  hosts: string[];
  /** Check ids shown, in the chosen order. */
  checks: string[];
  createdAt: number;
  updatedAt: number;
}

export interface StatusPageInput {
  slug: string;
  groupId: number;
  title: string;
  description?: string | null;
  enabled?: boolean;
  showTargets?: boolean;
  hosts?: string[];
  checks?: string[];
}

export type StatusPageChanges = Partial<Omit<StatusPageInput, 'groupId'>>;

export interface Incident {
  id: number;
  pageId: number;
  title: string;
  /** Plain text; never rendered as HTML. */
  body: string;
  state: IncidentState;
  createdAt: number;
  updatedAt: number;
}

export interface IncidentInput {
  title: string;
  body?: string;
  state?: IncidentState;
}

const MIGRATIONS = [
  `CREATE TABLE status_pages (
     id INTEGER PRIMARY KEY,
     slug TEXT NOT NULL UNIQUE,
     group_id INTEGER NOT NULL,
     title TEXT NOT NULL,
     description TEXT,
     enabled INTEGER NOT NULL DEFAULT 0,
     show_targets INTEGER NOT NULL DEFAULT 0,
     hosts TEXT NOT NULL DEFAULT '[]',
     checks TEXT NOT NULL DEFAULT '[]',
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE status_incidents (
     id INTEGER PRIMARY KEY,
     page_id INTEGER NOT NULL,
     title TEXT NOT NULL,
     body TEXT NOT NULL,
     state TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX status_incidents_page ON status_incidents (page_id, updated_at);`,
];

interface PageRow {
  id: number;
  slug: string;
  group_id: number;
  title: string;
  description: string | null;
  enabled: number;
  show_targets: number;
  hosts: string;
  checks: string;
  created_at: number;
  updated_at: number;
}

interface IncidentRow {
  id: number;
  page_id: number;
  title: string;
  body: string;
  state: IncidentState;
  created_at: number;
  updated_at: number;
}

const bad = (field: string, message: string): VigieError => new VigieError('VIGIE_ERR_BAD_REQUEST', `${field}: ${message}`, [{ field, message }]);

/** Trimmed text within bounds, or a 400 naming the field. */
function text(field: string, value: string, max: number, min = 1): string {
  const trimmed = value.trim();
  if (trimmed.length < min) throw bad(field, 'must not be empty');
  if (trimmed.length > max) throw bad(field, `at most ${max} characters (got ${trimmed.length})`);
  // Control characters have no place in a title or a note (newlines and tabs in bodies do).
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(trimmed)) throw bad(field, 'must not contain control characters');
  return trimmed;
}

function slugOf(value: string): string {
  if (!SLUG_RE.test(value)) throw bad('slug', 'expected 1 to 40 characters among a-z, 0-9 and "-" (e.g. "lab-services")');
  return value;
}

function idList(field: string, values: readonly string[], max: number): string[] {
  if (values.length > max) throw bad(field, `at most ${max} items (got ${values.length})`);
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (seen.has(v)) throw bad(`${field}[${i}]`, `"${v.slice(0, 64)}" is listed twice`);
    seen.add(v);
  });
  return [...values];
}

function stateOf(value: string, field = 'state'): IncidentState {
  if (!(INCIDENT_STATES as readonly string[]).includes(value)) throw bad(field, `expected one of ${INCIDENT_STATES.join(', ')}`);
  return value as IncidentState;
}

const toPage = (r: PageRow): StatusPage => ({
  id: r.id,
  slug: r.slug,
  groupId: r.group_id,
  title: r.title,
  description: r.description,
  enabled: r.enabled === 1,
  showTargets: r.show_targets === 1,
  hosts: JSON.parse(r.hosts) as string[],
  checks: JSON.parse(r.checks) as string[],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toIncident = (r: IncidentRow): Incident => ({ id: r.id, pageId: r.page_id, title: r.title, body: r.body, state: r.state, createdAt: r.created_at, updatedAt: r.updated_at });

export class StatusPageStore {
  private changeListeners = new Set<() => void>();

  constructor(
    readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {}

  static open(dataDir: string, clock: Clock = systemClock): StatusPageStore {
    return new StatusPageStore(openSqlite(join(dataDir, 'status-pages.db'), MIGRATIONS), clock);
  }

  /** Called after any change (the public cache drops its copies). */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  list(): StatusPage[] {
    return (this.db.prepare('SELECT * FROM status_pages ORDER BY slug').all() as PageRow[]).map(toPage);
  }

  get(id: number): StatusPage | null {
    const row = this.db.prepare('SELECT * FROM status_pages WHERE id = ?').get(id) as PageRow | undefined;
    return row ? toPage(row) : null;
  }

  bySlug(slug: string): StatusPage | null {
    if (!SLUG_RE.test(slug)) return null;
    const row = this.db.prepare('SELECT * FROM status_pages WHERE slug = ?').get(slug) as PageRow | undefined;
    return row ? toPage(row) : null;
  }

  create(input: StatusPageInput): StatusPage {
    const slug = slugOf(input.slug);
    const title = text('title', input.title, LIMITS.title);
    const description = input.description ? text('description', input.description, LIMITS.description) : null;
    const hosts = idList('hosts', input.hosts ?? [], LIMITS.hosts);
    const checks = idList('checks', input.checks ?? [], LIMITS.checks);
    const now = this.clock.now();
    const id = this.db.transaction(() => {
      this.assertSlugFree(slug);
      return Number(
        this.db
          .prepare('INSERT INTO status_pages (slug, group_id, title, description, enabled, show_targets, hosts, checks, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
          .run(slug, input.groupId, title, description, input.enabled ? 1 : 0, input.showTargets ? 1 : 0, JSON.stringify(hosts), JSON.stringify(checks), now, now).lastInsertRowid,
      );
    })();
    this.changed();
    return this.get(id)!;
  }

  update(id: number, changes: StatusPageChanges): StatusPage {
    const before = this.require(id);
    const next: StatusPage = { ...before };
    if (changes.slug !== undefined) next.slug = slugOf(changes.slug);
    if (changes.title !== undefined) next.title = text('title', changes.title, LIMITS.title);
    if (changes.description !== undefined) next.description = changes.description ? text('description', changes.description, LIMITS.description) : null;
    if (changes.enabled !== undefined) next.enabled = changes.enabled;
    if (changes.showTargets !== undefined) next.showTargets = changes.showTargets;
    if (changes.hosts !== undefined) next.hosts = idList('hosts', changes.hosts, LIMITS.hosts);
    if (changes.checks !== undefined) next.checks = idList('checks', changes.checks, LIMITS.checks);
    this.db.transaction(() => {
      if (next.slug !== before.slug) this.assertSlugFree(next.slug);
      this.db
        .prepare('UPDATE status_pages SET slug = ?, title = ?, description = ?, enabled = ?, show_targets = ?, hosts = ?, checks = ?, updated_at = ? WHERE id = ?')
        .run(next.slug, next.title, next.description, next.enabled ? 1 : 0, next.showTargets ? 1 : 0, JSON.stringify(next.hosts), JSON.stringify(next.checks), this.clock.now(), id);
    })();
    this.changed();
    return this.get(id)!;
  }

  delete(id: number): void {
    this.require(id);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM status_incidents WHERE page_id = ?').run(id);
      this.db.prepare('DELETE FROM status_pages WHERE id = ?').run(id);
    })();
    this.changed();
  }

  /** A page, or a 404 naming the id. */
  require(id: number): StatusPage {
    const page = this.get(id);
    if (!page) throw new VigieError('VIGIE_ERR_NOT_FOUND', `No status page with id ${id}`);
    return page;
  }

  /** A page's notes, newest change first. */
  incidents(pageId: number): Incident[] {
    return (this.db.prepare('SELECT * FROM status_incidents WHERE page_id = ? ORDER BY updated_at DESC, id DESC').all(pageId) as IncidentRow[]).map(toIncident);
  }

  incident(pageId: number, id: number): Incident {
    const row = this.db.prepare('SELECT * FROM status_incidents WHERE page_id = ? AND id = ?').get(pageId, id) as IncidentRow | undefined;
    if (!row) throw new VigieError('VIGIE_ERR_NOT_FOUND', `No incident note with id ${id} on this page`);
    return toIncident(row);
  }

  addIncident(pageId: number, input: IncidentInput): Incident {
    this.require(pageId);
    const title = text('title', input.title, LIMITS.incidentTitle);
    const body = text('body', input.body ?? '', LIMITS.incidentBody, 0);
    const state = stateOf(input.state ?? 'investigating');
    const now = this.clock.now();
    const id = Number(this.db.prepare('INSERT INTO status_incidents (page_id, title, body, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(pageId, title, body, state, now, now).lastInsertRowid);
    this.changed();
    return this.incident(pageId, id);
  }

  updateIncident(pageId: number, id: number, changes: Partial<IncidentInput>): Incident {
    const before = this.incident(pageId, id);
    const title = changes.title !== undefined ? text('title', changes.title, LIMITS.incidentTitle) : before.title;
    const body = changes.body !== undefined ? text('body', changes.body, LIMITS.incidentBody, 0) : before.body;
    const state = changes.state !== undefined ? stateOf(changes.state) : before.state;
    this.db.prepare('UPDATE status_incidents SET title = ?, body = ?, state = ?, updated_at = ? WHERE id = ?').run(title, body, state, this.clock.now(), id);
    this.changed();
    return this.incident(pageId, id);
  }

  deleteIncident(pageId: number, id: number): void {
    this.incident(pageId, id);
    this.db.prepare('DELETE FROM status_incidents WHERE id = ?').run(id);
    this.changed();
  }

  close(): void {
    this.changeListeners.clear();
    if (this.db.open) this.db.close();
  }

  private assertSlugFree(slug: string): void {
    if (this.db.prepare('SELECT 1 FROM status_pages WHERE slug = ?').get(slug)) {
      throw new VigieError('VIGIE_ERR_CONFLICT', `slug: "${slug}" is already used by another status page`, [{ field: 'slug', message: 'already used' }]);
    }
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener();
  }
}
