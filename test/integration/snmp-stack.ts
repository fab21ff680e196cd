/**
 * Shared by the SNMP end-to-end suites (issue 13): the full `vigie up` stack
 * as a user meets it — real Aedes with per-agent credentials, the bundled
 * local agent (host id `the-box`) as the poller, SQLite, the dashboard API
 * with real sessions — plus a real snmpd (test/helpers/snmpd.ts).
 *
 * Every API answer goes through `call()`, which keeps its text, so a suite
 * can assert at the end that no device secret ever came back.
 */
import * as assert from 'uvu/assert';
import type { HostDetail } from '../../ingest/types.js';
import type { Answer, ApiClient } from '../helpers/api-client.js';
import { waitFor } from '../helpers/env.js';
import type { Snmpd } from '../helpers/snmpd.js';
import { adminClient, startTestStack, type TestStack } from '../helpers/stack.js';

/** The local agent's host id: the poller of every device here. */
export const POLLER = 'the-box';

/** Device polls every 10 s (the contract's floor): deadlines below allow several polls on a busy 2-core box. */
export const INTERVAL = 10;
export const DEADLINE_MS = 60_000;

export interface SnmpStack {
  up: TestStack;
  admin: ApiClient;
  /** Every API answer's JSON so far, for the no-secret assertions. */
  transcript: string[];
  close(): Promise<void>;
}

export async function startSnmpStack(): Promise<SnmpStack> {
  const up = await startTestStack('up', {
    // Diagnosis would ask the poller for processes on every offline alert: noise for these suites.
    set: { 'agent.host': POLLER, 'alerts.diagnosis': 'false', 'alerts.groupSeconds': '1' },
  });
  const admin = await adminClient(up.httpUrl, up.dataDir);
  return { up, admin, transcript: [], close: () => up.close() };
}

/** One API call whose answer's text is kept in the transcript. */
export async function call<T = unknown>(s: SnmpStack, client: ApiClient, method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH', path: string, body?: unknown): Promise<Answer<T>> {
  const answer = method === 'GET' ? await client.get<T>(path) : await client.send<T>(method, path, body);
  s.transcript.push(`${method} ${path} ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer;
}

/** The host as GET /api/hosts/:id shows it to `client`, or null on 404. */
export async function hostOf(s: SnmpStack, id: string, client: ApiClient = s.admin): Promise<HostDetail | null> {
  const answer = await call<HostDetail>(s, client, 'GET', `/api/hosts/${id}`);
  if (answer.status === 404) return null;
  return answer.data;
}

/** Waits until the host satisfies `ok`; the last state seen is in the timeout's message. */
export async function waitForHost(s: SnmpStack, id: string, what: string, ok: (h: HostDetail) => boolean, timeoutMs = DEADLINE_MS): Promise<HostDetail> {
  let last: HostDetail | null = null;
  try {
    return await waitFor(`${id}: ${what}`, async () => {
      last = await hostOf(s, id);
      return last && ok(last) ? last : null;
    }, timeoutMs, 250);
  } catch (error) {
    const seen = last as HostDetail | null;
    throw new Error(`${(error as Error).message}; last seen: ${JSON.stringify(seen ? { presence: seen.presence, reason: seen.reason, status: seen.status, latestTs: seen.latest?.ts } : null)}`);
  }
}

/** The body of POST /api/devices for the rig's snmpd. */
export function deviceBody(snmpd: Snmpd, id: string, snmp: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, address: snmpd.host, port: snmpd.port, poller: POLLER, interval: INTERVAL, timeout: 2, retries: 0, snmp, ...extra };
}

/** The rig's secrets: none of them may ever appear in an API answer. */
export function secretsOf(snmpd: Snmpd): string[] {
  return [snmpd.community, snmpd.v3.authOnly.authKey, snmpd.v3.private.authKey, snmpd.v3.private.privKey];
}

/** Asserts that no secret appears in any text (API answers, MQTT payloads, files). */
export function assertNoSecret(texts: string[], secrets: string[], where: string): void {
  for (const secret of secrets) {
    const hit = texts.find((t) => t.includes(secret));
    assert.is(hit, undefined, `${where} shows the secret "${secret}": ${hit?.slice(0, 300)}`);
  }
}
