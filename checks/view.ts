import { DAY_MS } from '../core/time.js';
import type { CheckResultPayload } from '../protocol/schemas/check.js';
import type { CheckDefinition, CheckInput } from './definition.js';
import { errorBudget } from './availability.js';
import type { Availability, CheckResults, DailyAvailability } from './types.js';

/**
 * What the API and the UIs show of one check (docs/api.md, "Checks"): the
 * definition, each runner's latest result, availability over a day, a week
 * and 30 days, and the 30-day error budget of its SLA.
 */
export type CheckState = 'up' | 'down' | 'partial' | 'pending' | 'paused';

export interface RunnerView {
  runner: string;
  label: string | null;
  result: CheckResultPayload | null;
  receivedAt: number | null;
}

/** The view as sent: `runners` are objects here, not the definition's host ids. */
export type CheckView = Omit<CheckDefinition, 'runners'> & {
  canEdit: boolean;
  state: CheckState;
  runners: RunnerView[];
  availability: { day: number | null; week: number | null; month: number | null };
  budget: { target: number; allowedSeconds: number; usedSeconds: number; leftPercent: number | null };
};

/** The error budget's window. */
export const BUDGET_DAYS = 30;
/** Bars on a check's page and on the status page. */
export const DAILY_BARS = 90;

export interface ViewDeps {
  results: CheckResults | undefined;
  labelOf(host: string): string | null;
  now: number;
}

/** The state of a check from its runners' latest results ("down from 1 of 2 places" is partial). */
export function checkState(def: Pick<CheckDefinition, 'enabled'>, runners: readonly RunnerView[]): CheckState {
  if (!def.enabled) return 'paused';
  const heard = runners.filter((r) => r.result !== null);
  if (heard.length === 0) return 'pending';
  const down = heard.filter((r) => r.result!.state === 'down').length;
  if (down === heard.length) return 'down';
  return down > 0 ? 'partial' : 'up';
}

/** What replaces an HTTP header's value for those who may not edit the check. */
export const REDACTED = '********';

/**
 * The definition as `canEdit` decides: HTTP header values (an Authorization
 * token, an API key) are shown only to those who manage the check.
 */
export function redactFor(def: CheckDefinition, canEdit: boolean): CheckDefinition {
  if (canEdit || !def.http?.headers) return def;
  return { ...def, http: { ...def.http, headers: Object.fromEntries(Object.keys(def.http.headers).map((k) => [k, REDACTED])) } };
}

export async function buildView(full: CheckDefinition, canEdit: boolean, deps: ViewDeps): Promise<CheckView> {
  const def = redactFor(full, canEdit);
  const latest = new Map((deps.results?.latest(def.id) ?? []).map((r) => [r.runner, r]));
  const runners: RunnerView[] = def.runners.map((runner) => {
    const record = latest.get(runner);
    return { runner, label: deps.labelOf(runner), result: record?.result ?? null, receivedAt: record?.receivedAt ?? null };
  });
  const range = (days: number): Promise<Availability | null> =>
    deps.results ? deps.results.availability({ check: def.id, runners: def.runners, from: deps.now - days * DAY_MS, to: deps.now }) : Promise.resolve(null);
  const [day, week, month] = await Promise.all([range(1), range(7), range(BUDGET_DAYS)]);
  return {
    ...def,
    canEdit,
    state: checkState(def, runners),
    runners,
    availability: { day: day?.percent ?? null, week: week?.percent ?? null, month: month?.percent ?? null },
    budget: budgetOf(def, month?.percent ?? null, deps.now),
  };
}

/**
 * The 30-day error budget (checks/availability.ts owns the arithmetic): over
 * the last 30 days, or since the check was created when it is younger.
 */
export function budgetOf(def: Pick<CheckDefinition, 'sla' | 'createdAt'>, monthPercent: number | null, now: number): CheckView['budget'] {
  return errorBudget(def.sla, monthPercent, Math.min(BUDGET_DAYS * DAY_MS, now - def.createdAt));
}

/** `DAILY_BARS` bars ending today (UTC); empty bars when no results service runs. */
export async function dailyBars(def: CheckDefinition, results: CheckResults | undefined, now: number, days = DAILY_BARS): Promise<DailyAvailability[]> {
  if (results) return results.daily({ check: def.id, runners: def.runners, days });
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return Array.from({ length: days }, (_, i) => ({ day: today - (days - 1 - i) * DAY_MS, percent: null, worst: null }));
}

/** A definition as a client would write it (export, the edit form): no bookkeeping. */
export function inputOf(def: CheckDefinition): CheckInput {
  const { createdAt: _c, updatedAt: _u, createdBy: _b, ...input } = def;
  return input;
}
