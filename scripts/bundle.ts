import type { Logger } from '../core/logger.js';
import type { BoxSigner } from '../core/signing.js';
import type { Clock } from '../core/time.js';
import {
  SCRIPT_LIMITS, type ScriptArgs, type ScriptBundle, type ScriptCheckSpec, type ScriptDefinition, type Signed,
} from '../protocol/schemas/script.js';
import { allowedOn } from './access.js';
import type { ScriptRecord } from './types.js';

/**
 * What each agent is sent of scripts (issue 14): one ScriptBundle per host,
 * signed with the box key, inside its retained config
 * (checks/config-publisher.ts). A host's bundle holds
 * - every enabled script allowed there: a built-in (every host), or one whose
 *   `hosts` names it or whose `groups` holds one of its groups;
 * - the script checks it runs (checks catalog, kind `script`), each with its
 *   arguments, when their script is in that bundle and is a check.
 * A host with neither gets no bundle at all. The agent still decides, by its
 * own policy (agent.scripts, agent.scriptsAllow), what it accepts.
 */

/** A script check as the checks catalog keeps it (checks/definition.ts, kind `script`): only what a bundle needs. */
export interface ScriptCheckDefinition {
  id: string;
  kind: string;
  enabled: boolean;
  runners: readonly string[];
  interval?: number;
  script?: { id: string; args: ScriptArgs };
}

/** A bundle before it is signed: compared to what was sent, to publish only changes. */
export interface BundleContent {
  scripts: ScriptDefinition[];
  checks: ScriptCheckSpec[];
}

export interface BundleInput {
  scripts: readonly ScriptRecord[];
  /** The checks catalog (only kind `script` is read). */
  checks: readonly ScriptCheckDefinition[];
  /** The agents there are (enrolled, the box's own, heard from). */
  hosts: Iterable<string>;
  groupsOf(host: string): readonly number[];
  /** Told when something is left out (a check whose script may not run there, a script past the size budget); `script` when a script is dropped. */
  skipped?(host: string, message: string, script?: string): void;
}

/**
 * Bytes a host's bundle may take once encoded twice (its JSON text, itself a
 * string inside the config's JSON): the whole config must stay within
 * MAX_PAYLOAD_BYTES (64 KiB), which the agent enforces, and its checks and
 * devices need room too.
 */
export const BUNDLE_BUDGET_BYTES = 48 * 1024;

/** The size a bundle takes inside its config (payload escaped as a JSON string), with a 13-digit iat. */
export function encodedSize(host: string, content: BundleContent): number {
  const bundle: ScriptBundle = { type: 'vigie.scripts', host, iat: 1_000_000_000_000, scripts: content.scripts, checks: content.checks };
  return Buffer.byteLength(JSON.stringify(JSON.stringify(bundle)), 'utf8');
}

/** A script dropped from a bundle for size, and the size the bundle had with it. */
interface Drop {
  script: string;
  size: number;
}

/**
 * Drops scripts until the bundle fits BUNDLE_BUDGET_BYTES: the largest first,
 * built-ins last; a script check goes with its script. Returns what was
 * dropped, for the caller to tell.
 */
function fit(host: string, content: BundleContent): { content: BundleContent; drops: Drop[] } {
  let { scripts, checks } = content;
  const drops: Drop[] = [];
  const order = [...scripts].sort((a, b) => Number(a.id.startsWith('vigie.')) - Number(b.id.startsWith('vigie.')) || b.body.length - a.body.length || a.id.localeCompare(b.id));
  for (const drop of order) {
    const size = encodedSize(host, { scripts, checks });
    if (size <= BUNDLE_BUDGET_BYTES) break;
    scripts = scripts.filter((s) => s.id !== drop.id);
    checks = checks.filter((c) => c.script !== drop.id);
    drops.push({ script: drop.id, size });
  }
  return { content: { scripts, checks }, drops };
}

/** A script as an agent receives it: exactly the protocol's ScriptDefinition fields. */
export function definitionOf(s: ScriptRecord): ScriptDefinition {
  return { id: s.id, version: s.version, name: s.name, kind: s.kind, interpreter: s.interpreter, body: s.body, sha256: s.sha256, params: s.params, timeout: s.timeout };
}

const clampInterval = (seconds: number): number => Math.min(SCRIPT_LIMITS.interval.max, Math.max(SCRIPT_LIMITS.interval.min, Math.round(seconds)));

/**
 * Every host's bundle content; hosts with nothing are left out. Hosts given
 * the same scripts and script checks share one content object, fitted to the
 * budget once for all those whose id takes as many bytes (the id is the only
 * other thing in the bundle): at 5,000 agents, fitting and encoding each
 * host's bundle apart held the server thread ~0.2 s at every recheck (a CPU
 * profile of bench/pipeline, issue 16). Callers may rely on that sharing to
 * encode each distinct content once.
 */
export function bundleContents(input: BundleInput): Map<string, BundleContent> {
  const scriptChecks = input.checks.filter((c) => c.kind === 'script' && c.enabled && c.script !== undefined);
  const hosts = new Set(input.hosts);
  for (const c of scriptChecks) for (const r of c.runners) hosts.add(r);
  for (const s of input.scripts) for (const h of s.hosts) hosts.add(h);
  const byId = new Map(input.scripts.map((s) => [s.id, s]));
  const definitions = new Map(input.scripts.map((s) => [s.id, definitionOf(s)]));
  /** Fitted contents by what went in and the bytes the host id takes. */
  const fitted = new Map<string, { content: BundleContent; drops: Drop[] }>();
  const out = new Map<string, BundleContent>();
  for (const host of [...hosts].sort()) {
    const groups = input.groupsOf(host);
    const scripts = input.scripts.filter((s) => allowedOn(s, host, groups)).map((s) => definitions.get(s.id)!).sort((a, b) => a.id.localeCompare(b.id));
    const present = new Set(scripts.map((s) => s.id));
    const checks: ScriptCheckSpec[] = [];
    for (const c of scriptChecks) {
      if (!c.runners.includes(host)) continue;
      const script = byId.get(c.script!.id);
      if (!script || !present.has(script.id)) {
        input.skipped?.(host, `check ${c.id} not sent to ${host}: script ${c.script!.id} ${script ? (script.enabled ? `may not run on ${host} (its hosts and groups)` : 'is disabled') : 'does not exist'}`);
        continue;
      }
      if (script.kind !== 'check') {
        input.skipped?.(host, `check ${c.id} not sent to ${host}: ${script.id} is an action, not a check`);
        continue;
      }
      checks.push({ id: c.id, script: script.id, interval: clampInterval(c.interval ?? script.interval ?? SCRIPT_LIMITS.interval.default), args: c.script!.args ?? {} });
    }
    if (scripts.length === 0 && checks.length === 0) continue;
    if (scripts.length > SCRIPT_LIMITS.perHost || checks.length > SCRIPT_LIMITS.perHost) {
      input.skipped?.(host, `${host} is allowed more than ${SCRIPT_LIMITS.perHost} scripts or script checks: only the first ${SCRIPT_LIMITS.perHost} (by id) are sent`);
    }
    const wanted = { scripts: scripts.slice(0, SCRIPT_LIMITS.perHost), checks: checks.sort((a, b) => a.id.localeCompare(b.id)).slice(0, SCRIPT_LIMITS.perHost) };
    // A host id JSON would escape does not share (ids are [a-z0-9._-], but a script's `hosts` is checked elsewhere).
    const idBytes = JSON.stringify(host) === `"${host}"` ? `${Buffer.byteLength(host)}` : `=${host}`;
    const key = `${idBytes}\u0000${wanted.scripts.map((d) => d.id).join('\u0000')}\u0000${JSON.stringify(wanted.checks)}`;
    let result = fitted.get(key);
    if (result === undefined) fitted.set(key, (result = fit(host, wanted)));
    for (const drop of result.drops) {
      input.skipped?.(host, `script ${drop.script} not sent to ${host}: the scripts allowed there take ${Math.ceil(drop.size / 1024)} KiB, more than the ${BUNDLE_BUDGET_BYTES / 1024} KiB one host's bundle may carry (allow fewer or smaller scripts there)`, drop.script);
    }
    if (result.content.scripts.length > 0 || result.content.checks.length > 0) out.set(host, result.content);
  }
  return out;
}

/** The ids of the script checks that run `script` (a script in use is not deleted). */
export function checksUsing(checks: readonly unknown[], script: string): string[] {
  return (checks as ScriptCheckDefinition[]).filter((c) => c.kind === 'script' && c.script?.id === script).map((c) => c.id);
}

/**
 * The parameters of a check script, for the checks catalog's validation of a
 * script check's arguments (checks/validate.ts `scriptParams`); null when
 * `id` is not a check script of the library.
 */
export function checkScriptParams(store: { get(id: string): ScriptRecord | null }): (id: string) => ScriptRecord['params'] | null {
  return (id) => {
    const s = store.get(id);
    return s && s.kind === 'check' ? s.params : null;
  };
}

/** The signed bundle of `host` (what AgentConfigPayload.scripts holds). */
export function signBundle(signer: BoxSigner, host: string, content: BundleContent, iat: number): Signed {
  const bundle: ScriptBundle = { type: 'vigie.scripts', host, iat, scripts: content.scripts, checks: content.checks };
  return signer.sign(bundle);
}

/** What the config publisher reads: each agent's bundle now, how to sign one, and when they may have changed. */
export interface ScriptBundleSource {
  contents(): Map<string, BundleContent>;
  /**
   * What would be left out if the library were `scripts` (a change about to be
   * saved): the first script dropped for size, with where and why, else null.
   */
  overflow(scripts: readonly ScriptRecord[]): { host: string; script: string; message: string } | null;
  sign(host: string, content: BundleContent): Signed;
  /** Called when the library, the agents or the groups may have changed; returns the function that unsubscribes. */
  onChange(listener: () => void): () => void;
}

export interface BundleSourceDeps {
  scripts: { list(): ScriptRecord[]; onChange(listener: () => void): () => void };
  checks: { list(): readonly unknown[] };
  /** The agents there are now. */
  hosts(): Iterable<string>;
  groupsOf(host: string): readonly number[];
  /** Called when a new agent appears (the ingest's `host` event); returns the function that unsubscribes. */
  onHost?(listener: (host: string) => void): () => void;
  signer: BoxSigner;
  clock: Clock;
  log: Logger;
  /**
   * How often the contents are looked at again, ms (default 30,000): a host's
   * groups live in accounts.db, which tells nobody when they change. Only a
   * changed bundle is published.
   */
  recheckMs?: number;
  /** How long new agents are gathered before they count as one change, ms (default HOST_BATCH_MS). */
  hostBatchMs?: number;
}

/**
 * New agents seen within this time make one change, not one each: every
 * change recomputes and digests all the bundles (~50 ms at 1,000 agents), so
 * 1,000 agents heard one per event-loop turn cost the server ~50 s of CPU
 * (a CPU profile of bench/pipeline, issue 16).
 */
const HOST_BATCH_MS = 500;

export function createBundleSource(deps: BundleSourceDeps): ScriptBundleSource {
  const told = new Set<string>();
  let lastIat = 0;
  const checks = (): ScriptCheckDefinition[] => deps.checks.list() as ScriptCheckDefinition[];
  return {
    overflow: (scripts) => {
      let found: { host: string; script: string; message: string } | null = null;
      bundleContents({
        scripts, checks: checks(), hosts: deps.hosts(), groupsOf: deps.groupsOf,
        skipped: (host, message, script) => {
          if (script !== undefined && found === null) found = { host, script, message };
        },
      });
      return found;
    },
    contents: () =>
      bundleContents({
        scripts: deps.scripts.list(),
        checks: checks(),
        hosts: deps.hosts(),
        groupsOf: deps.groupsOf,
        skipped: (host, message, script) => {
          // Once per host and cause (a size in the message changes with every edit).
          const key = `${host}\u0000${script ?? message}`;
          if (told.has(key)) return;
          told.add(key);
          deps.log.warn({ host }, message);
        },
      }),
    sign: (host, content) => {
      // The agent refuses a bundle older than the last it took: iat never goes back, even if the clock does.
      lastIat = Math.max(lastIat, deps.clock.now());
      return signBundle(deps.signer, host, content, lastIat);
    },
    onChange: (listener) => {
      const known = new Set<string>();
      let arrivals: NodeJS.Timeout | null = null;
      const stopScripts = deps.scripts.onChange(listener);
      const stopHosts = deps.onHost?.((host) => {
        if (known.has(host)) return;
        known.add(host);
        arrivals ??= setTimeout(() => {
          arrivals = null;
          listener();
        }, deps.hostBatchMs ?? HOST_BATCH_MS);
      }) ?? (() => {});
      const timer = setInterval(listener, deps.recheckMs ?? 30_000);
      timer.unref();
      return () => {
        stopScripts();
        stopHosts();
        clearInterval(timer);
        if (arrivals) clearTimeout(arrivals);
      };
    },
  };
}
