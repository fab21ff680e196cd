import type { Accounts } from '../accounts/index.js';
import type { MaintenanceWindow } from '../alerts/maintenance.js';
import type { Lang } from '../alerts/words.js';
import type { CheckDefinition } from '../checks/definition.js';
import type { CheckCatalog, CheckResults } from '../checks/types.js';
import { DAY_MS } from '../core/time.js';
import type { IngestHandle } from '../ingest/types.js';
import { pageMaintenance, type PublicMaintenance } from './maintenance.js';
import type { IncidentState, StatusPage, StatusPageStore } from './store.js';
import { STATUS_WORDS } from './words.js';

/**
 * What a public status page says, built from the page's choices and live
 * data. This object is the JSON twin and the only input of the HTML: it is
 * built field by field from an allow-list, so nothing internal (addresses,
 * metrics, user names, ids other than the slug) can reach the public.
 */

export type Overall = 'operational' | 'partial' | 'major' | 'unknown';
export type PublicCheckState = 'up' | 'down' | 'partial' | 'pending' | 'paused';
export type PublicHostState = 'online' | 'offline' | 'unknown';

export interface PublicStatus {
  v: 1;
  slug: string;
  lang: Lang;
  title: string;
  description: string | null;
  generatedAt: number;
  overall: Overall;
  overallText: string;
  hosts: Array<{ label: string; state: PublicHostState; stateText: string }>;
  checks: Array<{
    name: string;
    kind: string;
    /** Only when the page shows targets. */
    target?: string;
    state: PublicCheckState;
    stateText: string;
    /** Percent over the last 90 days; null without data. */
    availability90: number | null;
    /** 90 UTC days, oldest first. */
    days: Array<{ day: string; percent: number | null }>;
  }>;
  maintenance: PublicMaintenance[];
  incidents: Array<{ title: string; body: string; state: IncidentState; stateText: string; createdAt: number; updatedAt: number }>;
}

export interface StatusSources {
  store: StatusPageStore;
  accounts: Accounts;
  ingest: IngestHandle;
  /** The check definitions, when this server has them. */
  catalog(): CheckCatalog | null;
  /** Every maintenance window, when this server evaluates alerts. */
  maintenance(): readonly MaintenanceWindow[];
  now(): number;
}

export const BAR_DAYS = 90;
/** Resolved notes stay on the page this long after their last change. */
export const RESOLVED_SHOWN_MS = 14 * DAY_MS;

/** The state of a check from its runners' latest results (as the checks API says it). */
export function checkState(def: CheckDefinition, results: CheckResults | undefined): PublicCheckState {
  if (!def.enabled) return 'paused';
  const latest = (results?.latest(def.id) ?? []).filter((r) => def.runners.includes(r.runner));
  if (latest.length === 0) return 'pending';
  const down = latest.filter((r) => r.result.state === 'down').length;
  if (down === 0) return 'up';
  return down === latest.length ? 'down' : 'partial';
}

/** What an outsider needs of a target: the URL, or host[:port]. */
function targetOf(def: CheckDefinition): string {
  return def.kind === 'http' || def.port === undefined ? def.target : `${def.target}:${def.port}`;
}

function overallOf(states: Array<'good' | 'bad' | 'some' | 'none'>): Overall {
  const known = states.filter((s) => s !== 'none');
  if (known.length === 0) return 'unknown';
  const bad = known.filter((s) => s === 'bad').length;
  if (bad === known.length) return 'major';
  return bad > 0 || known.some((s) => s === 'some') ? 'partial' : 'operational';
}

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The public view of one page, in one language. */
export async function buildStatus(src: StatusSources, page: StatusPage, lang: Lang): Promise<PublicStatus> {
  const words = STATUS_WORDS[lang];
  const now = src.now();
  const group = src.accounts.groups.get(page.groupId);
  const groupHosts = new Set(group?.hosts ?? []);
  const presence = new Map(src.ingest.listHosts().map((h) => [h.id, h.presence]));

  // Only hosts still shared with the page's group: a host moved away leaves its page.
  const hosts = page.hosts
    .filter((h) => groupHosts.has(h))
    .map((h) => {
      const state: PublicHostState = presence.get(h) ?? 'unknown';
      return { label: src.accounts.hostAccess.labelOf(h) ?? h, state, stateText: words.hostState[state] };
    });

  const catalog = src.catalog();
  const results = src.ingest.checks;
  const defs = page.checks.map((id) => catalog?.get(id) ?? null).filter((d): d is CheckDefinition => d !== null && d.groupId === page.groupId);
  const checks = await Promise.all(
    defs.map(async (def) => {
      const state = checkState(def, results);
      const [daily, availability] = results
        ? await Promise.all([
            results.daily({ check: def.id, runners: def.runners, days: BAR_DAYS }),
            results.availability({ check: def.id, runners: def.runners, from: now - BAR_DAYS * DAY_MS, to: now }),
          ])
        : [[], null];
      return {
        name: def.name,
        kind: def.kind,
        ...(page.showTargets ? { target: targetOf(def) } : {}),
        state,
        stateText: words.checkState[state],
        availability90: availability?.percent ?? null,
        days: fillDays(daily, now),
      };
    }),
  );

  const incidents = src.store
    .incidents(page.id)
    .filter((i) => i.state !== 'resolved' || i.updatedAt >= now - RESOLVED_SHOWN_MS)
    // Open notes first, then the most recently changed.
    .sort((a, b) => Number(a.state === 'resolved') - Number(b.state === 'resolved') || b.updatedAt - a.updatedAt)
    .map((i) => ({ title: i.title, body: i.body, state: i.state, stateText: words.incidentState[i.state], createdAt: i.createdAt, updatedAt: i.updatedAt }));

  const overall = overallOf([
    ...hosts.map((h) => (h.state === 'online' ? 'good' : h.state === 'offline' ? 'bad' : 'none') as 'good' | 'bad' | 'none'),
    ...checks.map((c) => (c.state === 'up' ? 'good' : c.state === 'down' ? 'bad' : c.state === 'partial' ? 'some' : 'none') as 'good' | 'bad' | 'some' | 'none'),
  ]);

  return {
    v: 1,
    slug: page.slug,
    lang,
    title: page.title,
    description: page.description,
    generatedAt: now,
    overall,
    overallText: words.overall[overall],
    hosts,
    checks,
    maintenance: pageMaintenance(src.maintenance(), page.groupId, page.hosts.filter((h) => groupHosts.has(h)), now),
    incidents,
  };
}

/** Exactly 90 bars ending today (UTC), whatever the results gave: a missing day is "no data". */
function fillDays(daily: ReadonlyArray<{ day: number; percent: number | null }>, now: number): Array<{ day: string; percent: number | null }> {
  const byDay = new Map(daily.map((d) => [isoDay(d.day), d.percent]));
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const out: Array<{ day: string; percent: number | null }> = [];
  for (let i = BAR_DAYS - 1; i >= 0; i--) {
    const day = isoDay(today - i * DAY_MS);
    out.push({ day, percent: byDay.get(day) ?? null });
  }
  return out;
}
