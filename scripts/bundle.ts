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
  /** Told once per host and reason when something is left out (a check whose script may not run there). */
  skipped?(host: string, message: string): void;
}

/** A script as an agent receives it: exactly the protocol's ScriptDefinition fields. */
export function definitionOf(s: ScriptRecord): ScriptDefinition {
  return { id: s.id, version: s.version, name: s.name, kind: s.kind, interpreter: s.interpreter, body: s.body, sha256: s.sha256, params: s.params, timeout: s.timeout };
}

const clampInterval = (seconds: number): number => Math.min(SCRIPT_LIMITS.interval.max, Math.max(SCRIPT_LIMITS.interval.min, Math.round(seconds)));

/** Every host's bundle content; hosts with nothing are left out. */
export function bundleContents(input: BundleInput): Map<string, BundleContent> {
  const scriptChecks = input.checks.filter((c) => c.kind === 'script' && c.enabled && c.script !== undefined);
  const hosts = new Set(input.hosts);
  for (const c of scriptChecks) for (const r of c.runners) hosts.add(r);
  for (const s of input.scripts) for (const h of s.hosts) hosts.add(h);
  const byId = new Map(input.scripts.map((s) => [s.id, s]));
  const out = new Map<string, BundleContent>();
  for (const host of [...hosts].sort()) {
    const groups = input.groupsOf(host);
    const scripts = input.scripts.filter((s) => allowedOn(s, host, groups)).map(definitionOf).sort((a, b) => a.id.localeCompare(b.id));
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
    out.set(host, { scripts: scripts.slice(0, SCRIPT_LIMITS.perHost), checks: checks.sort((a, b) => a.id.localeCompare(b.id)).slice(0, SCRIPT_LIMITS.perHost) });
  }
  return out;
}

/** The signed bundle of `host` (what AgentConfigPayload.scripts holds). */
export function signBundle(signer: BoxSigner, host: string, content: BundleContent, iat: number): Signed {
  const bundle: ScriptBundle = { type: 'vigie.scripts', host, iat, scripts: content.scripts, checks: content.checks };
  return signer.sign(bundle);
}

/** What the config publisher reads: each agent's bundle now, how to sign one, and when they may have changed. */
export interface ScriptBundleSource {
  contents(): Map<string, BundleContent>;
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
}

export function createBundleSource(deps: BundleSourceDeps): ScriptBundleSource {
  const told = new Set<string>();
  let lastIat = 0;
  return {
    contents: () =>
      bundleContents({
        scripts: deps.scripts.list(),
        checks: deps.checks.list() as ScriptCheckDefinition[],
        hosts: deps.hosts(),
        groupsOf: deps.groupsOf,
        skipped: (host, message) => {
          if (told.has(message)) return;
          told.add(message);
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
      const stopScripts = deps.scripts.onChange(listener);
      const stopHosts = deps.onHost?.((host) => {
        if (known.has(host)) return;
        known.add(host);
        listener();
      }) ?? (() => {});
      const timer = setInterval(listener, deps.recheckMs ?? 30_000);
      timer.unref();
      return () => {
        stopScripts();
        stopHosts();
        clearInterval(timer);
      };
    },
  };
}
