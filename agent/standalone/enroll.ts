import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../../core/private-files.js';
import { isPublicKey, keyFingerprint } from '../../core/signing.js';
import { err, ok, type Result } from '../../core/result.js';
import { normaliseHostId } from '../../protocol/host-id.js';
import { Value } from '@sinclair/typebox/value';
import { AgentChecksConfig } from '../config.js';

/** What the box hands out for a valid token (`POST /api/enroll`, docs/agent.md). */
export interface Enrollment {
  host: string;
  username: string;
  password: string;
  broker: string;
  /** PEM text of the CA to trust for mqtts/wss, or null (a public or no certificate). */
  ca: string | null;
  /** The box's script signing key (base64 SPKI, issue 14), pinned as `agent.serverKey`; absent from boxes before it. */
  serverKey?: string;
}

export interface EnrollOptions {
  /** The box's base URL, e.g. `https://box.example:8080` (a path prefix is kept). */
  url: string;
  /** The configuration file to write (mode 0600). */
  configFile: string;
  /** `dataDir` to write; default: kept from an existing FILE, else `<dir of FILE>/data`. */
  dataDir?: string;
  token: string;
  /**
   * The box key the user expects (`--server-key`, read from the dashboard or `vigie` on the box): the
   * enrollment fails, writing nothing, if the box answers another one; pinned even if it sends none.
   */
  serverKey?: string;
  agentVersion: string;
  hostname: string;
  /** Default 15 s: a box that does not answer must not hang an install script. */
  timeoutMs?: number;
  cwd?: string;
}

export interface Enrolled {
  host: string;
  broker: string;
  /** Absolute path of the file written. */
  configFile: string;
  /** Absolute path of the CA written beside it, when the box sent one. */
  caFile?: string;
  /** The pinned box key's fingerprint (`SHA256:…`), when one was written. */
  serverKeyFingerprint?: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const BROKER_SCHEMES = ['mqtt:', 'mqtts:', 'ws:', 'wss:'];

/** `https://box:8080/` → `https://box:8080/api/enroll`; an error naming --url when it is not an http(s) URL. */
export function enrollEndpoint(url: string): Result<string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return err(`--url: expected the box's http:// or https:// address (e.g. https://box.example:8080), got "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return err(`--url: expected an http:// or https:// address, got "${parsed.protocol}//…"`);
  }
  parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/api/enroll`;
  parsed.search = '';
  parsed.hash = '';
  return ok(parsed.toString());
}

/** Checks the box's `data` field by field; an error names the field and what was expected. */
export function parseEnrollment(data: unknown): Result<Enrollment> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return err('data: expected an object');
  const d = data as Record<string, unknown>;
  for (const key of ['host', 'username', 'password', 'broker'] as const) {
    if (typeof d[key] !== 'string' || d[key] === '') return err(`data.${key}: expected a non-empty string`);
  }
  const host = d.host as string;
  const id = normaliseHostId(host);
  if (!id.ok) return err(`data.host: ${id.error}`);
  const broker = d.broker as string;
  let scheme = '';
  try {
    scheme = new URL(broker).protocol;
  } catch {
    // reported below
  }
  if (!BROKER_SCHEMES.includes(scheme)) return err(`data.broker: expected an mqtt://, mqtts://, ws:// or wss:// URL, got ${JSON.stringify(broker)}`);
  if (d.ca !== null && d.ca !== undefined && (typeof d.ca !== 'string' || !d.ca.includes('-----BEGIN CERTIFICATE-----'))) {
    return err('data.ca: expected PEM text (-----BEGIN CERTIFICATE-----…) or null');
  }
  if (d.serverKey !== undefined && d.serverKey !== null && (typeof d.serverKey !== 'string' || !isPublicKey(d.serverKey))) {
    return err('data.serverKey: expected the box\'s ed25519 public key as base64 SPKI DER, or nothing');
  }
  return ok({
    host, username: d.username as string, password: d.password as string, broker, ca: typeof d.ca === 'string' ? d.ca : null,
    ...(typeof d.serverKey === 'string' ? { serverKey: d.serverKey } : {}),
  });
}

/**
 * Exchanges a one-time token with the box for this host's credentials and
 * writes them to `configFile` (0600, atomically; its directory created 0700)
 * with the CA beside it as `ca.pem` when the box sends one. An existing file
 * keeps its other keys: only the agent block's connection keys are replaced.
 * On any failure (refused token, network, unreadable answer, unreadable
 * existing file) nothing is written and the error says why.
 */
export async function enroll(opts: EnrollOptions): Promise<Result<Enrolled>> {
  const endpoint = enrollEndpoint(opts.url);
  if (!endpoint.ok) return endpoint;
  if (opts.serverKey !== undefined && !isPublicKey(opts.serverKey)) return err('--server-key: expected the box\'s public key as base64 (44 characters ending in =), as the box shows it');
  const configFile = resolve(opts.cwd ?? process.cwd(), opts.configFile);
  // Read before asking the box: a token must not be spent on a file that cannot be updated.
  const existing = readExisting(configFile);
  if (!existing.ok) return existing;

  const answer = await post(endpoint.value, { token: opts.token, agentVersion: opts.agentVersion, hostname: opts.hostname }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  if (!answer.ok) return answer;
  const enrollment = parseEnrollment(answer.value);
  if (!enrollment.ok) return err(`${endpoint.value} answered an enrollment this agent cannot use: ${enrollment.error}`);
  const e = enrollment.value;
  if (opts.serverKey !== undefined && e.serverKey !== undefined && e.serverKey !== opts.serverKey) {
    // Nothing is written: this box is not the one the user meant (or someone stands in between).
    return err(`${endpoint.value} answered with box key ${keyFingerprint(e.serverKey)}, not the expected ${keyFingerprint(opts.serverKey)} (--server-key): nothing was written`);
  }
  // A box that sends no key (older than issue 14) leaves a key pinned before in place: an answer never unpins.
  const serverKey = opts.serverKey ?? e.serverKey;

  const dir = dirname(configFile);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const caFile = e.ca !== null ? join(dir, 'ca.pem') : undefined;
  const previous = existing.value;
  const previousAgent = isObject(previous.agent) ? previous.agent : {};
  const { ca: _oldCa, ...keptAgent } = previousAgent;
  const config = {
    ...previous,
    dataDir: opts.dataDir !== undefined ? resolve(opts.cwd ?? process.cwd(), opts.dataDir) : typeof previous.dataDir === 'string' ? previous.dataDir : join(dir, 'data'),
    agent: {
      ...keptAgent, broker: e.broker, host: e.host, username: e.username, password: e.password, ...(caFile ? { ca: caFile } : {}),
      ...(serverKey !== undefined ? { serverKey } : {}),
      // Written out (from the schema's defaults) so the networks this machine's checks may reach are in view, to narrow.
      checks: isObject(keptAgent.checks) ? keptAgent.checks : checksDefaults(),
    },
  };
  if (caFile && e.ca !== null) writePrivateAtomically(caFile, e.ca.endsWith('\n') ? e.ca : `${e.ca}\n`);
  writePrivateAtomically(configFile, `${JSON.stringify(config, null, 2)}\n`);
  return ok({
    host: e.host, broker: e.broker, configFile, ...(caFile ? { caFile } : {}),
    ...(serverKey !== undefined ? { serverKeyFingerprint: keyFingerprint(serverKey) } : {}),
  });
}

/** The networks part of `agent.checks` with its defaults: what a new configuration file shows. */
function checksDefaults(): { allow: string[]; deny: string[] } {
  const { allow, deny } = Value.Default(AgentChecksConfig, {}) as AgentChecksConfig;
  return { allow, deny };
}

/** The existing file as an object ({} when absent); an error when it exists but is not a JSON object. */
function readExisting(file: string): Result<Record<string, unknown>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ok({});
    return err(`${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (isObject(parsed)) return ok(parsed);
  } catch {
    // reported below
  }
  return err(`${file}: exists but is not a JSON object; fix or remove it, then enroll with a new token`);
}

/** POSTs JSON and unwraps the Vigie envelope; every failure is a message naming the URL. */
async function post(url: string, body: unknown, timeoutMs: number): Promise<Result<unknown>> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error', // a token is not re-sent to wherever a redirect points
    });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') return err(`cannot reach ${url}: no answer within ${timeoutMs / 1000} s`);
    return err(`cannot reach ${url}: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
  }
  let envelope: unknown;
  try {
    envelope = await response.json();
  } catch {
    return err(`${url} answered HTTP ${response.status} without a Vigie answer (is --url the box's dashboard address?)`);
  }
  if (isObject(envelope) && envelope.ok === false && isObject(envelope.error) && typeof envelope.error.message === 'string') {
    const code = typeof envelope.error.code === 'string' ? ` (${envelope.error.code})` : '';
    return err(`enrollment refused by ${url}: ${envelope.error.message}${code}`);
  }
  if (isObject(envelope) && envelope.ok === true && response.ok) return ok(envelope.data);
  return err(`${url} answered HTTP ${response.status} without a Vigie answer (is --url the box's dashboard address?)`);
}

/** Writes a 0600 file through a temporary one renamed over it: readers see the old file or the new, never half of one. */
function writePrivateAtomically(path: string, text: string): void {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = openSync(tmp, 'wx', PRIVATE_FILE_MODE);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, PRIVATE_FILE_MODE); // whatever the umask
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
