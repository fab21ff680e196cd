import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Handle } from '../../core/lifecycle.js';
import { onceClose } from '../../core/lifecycle.js';
import type { Logger } from '../../core/logger.js';
import { isPublicKey } from '../../core/signing.js';
import type { Clock } from '../../core/time.js';
import type { CheckResultPayload } from '../../protocol/payloads.js';
import { SCRIPT_ID_RE, type RunEventPayload, type ScriptBundle, type ScriptDefinition, type Signed } from '../../protocol/schemas/script.js';
import type { Timers } from '../checks/scheduler.js';
import type { AgentConfig } from '../config.js';
import { refusedCheckResult, startScriptChecks, type ScriptCheckJob } from './checks.js';
import type { LaunchContext } from './launch.js';
import { openScriptMemory } from './memory.js';
import { createScriptPolicy } from './policy.js';
import { createRunHandler } from './runs.js';
import { createScriptStore, sha256 } from './store.js';
import { scriptsOwner } from './user.js';
import { createScriptVerifier, type Refusal } from './verify.js';

export type ScriptsConfig = Pick<AgentConfig, 'scripts' | 'scriptsAllow' | 'serverKey' | 'scriptsUser' | 'scriptsAsRoot' | 'scriptsConcurrency'>;

export interface ScriptsOptions {
  config: ScriptsConfig;
  host: string;
  /** Scripts live under `<dataDir>/scripts/`; without it, in a private temporary folder removed at close (and nothing is remembered across restarts). */
  dataDir?: string;
  clock: Clock;
  log: Logger;
  publishCheck(id: string, result: CheckResultPayload): void;
  clearCheck(id: string): void;
  publishRun(id: string, event: RunEventPayload): void;
  timers?: Timers;
  random?: () => number;
  /** Default: whether this process runs as uid 0. */
  isRoot?: boolean;
}

export interface Scripts extends Handle {
  /** The `scripts` of each configuration from the box (undefined: it sends none). */
  apply(signed: Signed | undefined): void;
  /** A message on `run/req/<id>`. */
  request(id: string, payload: Buffer): void;
  stats(): { scripts: number; checks: number; running: number; runs: number };
}

/** State file beside the script folders; no script id starts with a dot. */
const STATE_FILE = '.state.json';

/**
 * The agent's scripts (issue 14, docs/scripts.md): takes the signed bundle
 * from its configuration, keeps the scripts this machine's policy allows on
 * disk, runs the script checks, and answers run requests. Throws at start,
 * naming the key, on an `agent.serverKey` that is not an ed25519 key or an
 * `agent.scriptsUser` that does not exist.
 */
export function startScripts(opts: ScriptsOptions): Scripts {
  const { config, host, clock, log } = opts;
  if (config.serverKey !== undefined && !isPublicKey(config.serverKey)) {
    throw new Error('agent.serverKey: expected the box\'s ed25519 public key as base64 SPKI DER (44 bytes, as `enroll` writes it)');
  }
  const isRoot = opts.isRoot ?? process.getuid?.() === 0;
  const user = config.scripts === 'off' ? undefined : scriptsOwner(config, isRoot);
  // With scripts off nothing is ever written, so no temporary folder is needed (the store only removes from an existing one).
  const temporary = opts.dataDir === undefined && config.scripts !== 'off' ? mkdtempSync(join(tmpdir(), 'vigie-scripts-')) : undefined;
  const root = join(opts.dataDir ?? temporary ?? join(tmpdir(), 'vigie-scripts-off'), 'scripts');
  const stateFile = join(root, STATE_FILE);
  const memory = openScriptMemory(opts.dataDir === undefined ? null : stateFile, clock, (error) =>
    log.error({ file: stateFile, err: error.message }, 'script state file cannot be read or written: the last bundle time and the nonces seen are kept in memory only until it can'));
  const verifier = createScriptVerifier({ serverKey: config.serverKey, host, clock, memory });
  const policy = createScriptPolicy(config, host);
  const store = createScriptStore(root, user);
  const launch: LaunchContext = { host, store, user };
  const checks = startScriptChecks({
    host,
    concurrency: config.scriptsConcurrency,
    launch,
    clock,
    publish: opts.publishCheck,
    clear: opts.clearCheck,
    ...(opts.timers ? { timers: opts.timers } : {}),
    ...(opts.random ? { random: opts.random } : {}),
  });
  let bundle: ScriptBundle | null = null;
  /** Check ids whose published result is a refusal (not on the scheduler): cleared when they leave the bundle. */
  let refusedIds = new Set<string>();
  const runs = createRunHandler({
    host,
    verifier,
    policy,
    bundle: () => bundle,
    launch,
    concurrency: config.scriptsConcurrency,
    publish: opts.publishRun,
    clock,
    log: (level, fields, message) => log[level](fields, message),
  });

  /** Publishes refusals for these checks, and clears refusals of checks no longer listed. */
  const publishRefused = (refused: Array<{ id: string; script: { id: string; version: number }; refusal: Refusal }>, running: ReadonlySet<string>): void => {
    const next = new Set(refused.map((r) => r.id));
    for (const id of refusedIds) if (!next.has(id) && !running.has(id)) opts.clearCheck(id);
    refusedIds = next;
    for (const r of refused) opts.publishCheck(r.id, refusedCheckResult(clock.now(), r.script, r.refusal));
  };

  const accept = (b: ScriptBundle): void => {
    bundle = b;
    const byId = new Map<string, ScriptDefinition>();
    const broken = new Set<string>();
    for (const s of b.scripts) {
      byId.set(s.id, s);
      // Signed, so a mismatch is the box's bug, not an attack; still, a grant names the sha256: never run another body.
      if (sha256(s.body) !== s.sha256) broken.add(s.id);
    }
    const runnable = b.scripts.filter((s) => !broken.has(s.id) && policy.check(s.kind, s.id) === null);
    try {
      store.sync(runnable);
    } catch (error) {
      // Each run prepares its folder again, and is refused with the reason if it still cannot.
      log.error({ root, err: (error as Error).message }, 'cannot write the script folders');
    }
    const jobs: Array<Omit<ScriptCheckJob, 'timeout'>> = [];
    const refused: Array<{ id: string; script: { id: string; version: number }; refusal: Refusal }> = [];
    for (const c of b.checks) {
      const s = byId.get(c.script);
      const script = { id: c.script, version: s?.version ?? 0 };
      if (!s || s.kind !== 'check') {
        refused.push({ id: c.id, script, refusal: { reason: 'unknown-script', message: s ? `${c.script} is an action, not a check` : `${c.script} is not in the script bundle sent to ${host}` } });
        continue;
      }
      if (broken.has(s.id)) {
        refused.push({ id: c.id, script, refusal: { reason: 'unknown-script', message: `${s.id}: its body does not match its sha256 in the bundle (a bug of the box); it is not run` } });
        continue;
      }
      const denied = policy.check('check', s.id);
      if (denied) refused.push({ id: c.id, script, refusal: denied });
      else jobs.push({ id: c.id, interval: c.interval, script: s, args: c.args });
    }
    checks.update(jobs);
    publishRefused(refused, new Set(jobs.map((j) => j.id)));
    log.info({ scripts: runnable.length, checks: jobs.length, refused: refused.length, mode: policy.mode }, 'script bundle applied');
  };

  /** A bundle was refused: with one already running it goes on; with none, each check it names says why (if it can be read at all). */
  const reject = (signed: Signed, refusal: Refusal): void => {
    if (refusal.reason === 'scripts-off') log.info('script bundle received; agent.scripts is off: nothing of it runs');
    else log.warn({ reason: refusal.reason }, `script bundle refused: ${refusal.message}`);
    if (bundle !== null) return;
    const ids = unverifiedChecks(signed);
    publishRefused(ids.map((c) => ({ id: c.id, script: { id: c.script, version: 0 }, refusal })), new Set());
  };

  return {
    apply(signed) {
      if (signed === undefined) {
        bundle = null;
        checks.update([]);
        publishRefused([], new Set());
        try {
          store.sync([]);
        } catch (error) {
          log.error({ root, err: (error as Error).message }, 'cannot remove the script folders');
        }
        return;
      }
      if (policy.mode === 'off') {
        // Nothing will run whatever the bundle says: its checks only say why (the agent's choice, not a bad key).
        reject(signed, policy.check('check', '-')!);
        return;
      }
      const verified = verifier.bundle(signed);
      if (verified.ok) accept(verified.value);
      else reject(signed, verified.refusal);
    },
    request(id, payload) {
      try {
        runs.handle(id, payload);
      } catch (error) {
        // A bug must not take the agent down from inside the MQTT message handler.
        log.error({ run: id, err: (error as Error).message }, 'run request failed unexpectedly');
      }
    },
    stats: () => ({ scripts: bundle?.scripts.length ?? 0, checks: checks.stats().checks, running: checks.stats().running, runs: runs.running() }),
    close: onceClose(async () => {
      await runs.close();
      await checks.close();
      if (temporary !== undefined) rmSync(temporary, { recursive: true, force: true });
    }),
  };
}

/**
 * The check ids of a bundle that was refused, read without trusting it: only
 * to publish "refused" on this host's own check topics, so the dashboard
 * says why instead of showing nothing. Ids that are not valid are skipped.
 */
function unverifiedChecks(signed: Signed): Array<{ id: string; script: string }> {
  try {
    const value = JSON.parse(signed.payload) as { checks?: unknown };
    if (!Array.isArray(value.checks)) return [];
    return value.checks
      .filter((c): c is { id: string; script: string } => typeof c?.id === 'string' && SCRIPT_ID_RE.test(c.id) && typeof c?.script === 'string' && SCRIPT_ID_RE.test(c.script))
      .slice(0, 100)
      .map((c) => ({ id: c.id, script: c.script }));
  } catch {
    return [];
  }
}
