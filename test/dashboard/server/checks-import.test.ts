/**
 * Checks as code through the API: export YAML and JSON, import them back
 * (merge, replace, dry run), all or nothing when one item is wrong, a file
 * of 200 checks fits the route's body limit.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse as parseYaml } from 'yaml';
import type { CheckView } from '../../../checks/view.js';
import type { ImportOutcome } from '../../../checks/import-export.js';
import { ApiClient } from '../../helpers/api-client.js';
import { adminClient, startTestStack, type TestStack } from '../../helpers/stack.js';

let s: TestStack;
let admin: ApiClient;

interface Failure { ok: false; error: { code: string; message: string; field?: string; fields?: Array<{ field: string; message: string }> } }
const errorOf = (body: unknown): Failure['error'] => (body as Failure).error;
const list = async (): Promise<CheckView[]> => (await admin.get<{ checks: CheckView[] }>('/api/checks')).data.checks;

const exportText = async (format: 'yaml' | 'json'): Promise<{ text: string; type: string; disposition: string }> => {
  const res = await fetch(`${s.httpUrl}/api/checks/export?format=${format}`, { headers: { cookie: admin.cookieHeader() } });
  assert.is(res.status, 200);
  return { text: await res.text(), type: res.headers.get('content-type') ?? '', disposition: res.headers.get('content-disposition') ?? '' };
};
const importText = (body: Record<string, unknown>) => admin.send<ImportOutcome & { dryRun: boolean }>('POST', '/api/checks/import', body);

const YAML_FILE = `
checks:
  - id: web
    kind: http
    target: https://example.org/
    name: Web site
    http:
      acceptStatus: ["200", "3xx"]
      keyword: { text: Welcome }
    alerting:
      latency: { warning: 0.1, critical: 0.5, for: 60 }
  - id: dns-lan
    kind: dns
    target: box.lan
    name: Box DNS
    dns: { type: A, server: 127.0.0.1:5353, expect: [192.168.1.2] }
    runners: [the-box]
  - id: db
    kind: tcp
    target: 192.168.1.10
    port: 5432
    name: Database
    enabled: false
`;

test.before(async () => {
  s = await startTestStack('up', { set: { 'agent.host': 'the-box' } });
  admin = await adminClient(s.httpUrl, s.dataDir);
});

test.after(async () => {
  await s?.close();
});

test('a YAML import creates; the same again changes nothing; a dry run reports without applying', async () => {
  const dry = await importText({ format: 'yaml', text: YAML_FILE, mode: 'merge', dryRun: true });
  assert.equal([dry.data.created, dry.data.dryRun], [['web', 'dns-lan', 'db'], true]);
  assert.is((await list()).length, 0, 'a dry run changes nothing');
  const first = await importText({ format: 'yaml', text: YAML_FILE, mode: 'merge' });
  assert.equal(first.data, { created: ['web', 'dns-lan', 'db'], updated: [], deleted: [], unchanged: [], dryRun: false });
  const web = (await admin.get<CheckView>('/api/checks/web')).data;
  assert.equal([web.http?.keyword, web.alerting.latency, web.runners[0]!.runner], [{ text: 'Welcome', regex: false, present: true }, { warning: 0.1, critical: 0.5, for: 60 }, 'the-box']);
  const again = await importText({ format: 'yaml', text: YAML_FILE });
  assert.equal([again.data.created, again.data.updated, again.data.unchanged], [[], [], ['web', 'dns-lan', 'db']]);
});

test('export YAML and JSON: CheckInput without bookkeeping; both import back unchanged', async () => {
  const yaml = await exportText('yaml');
  assert.match(yaml.type, /yaml/);
  assert.match(yaml.disposition, /attachment; filename="vigie-checks.yaml"/);
  const doc = parseYaml(yaml.text) as { checks: Array<Record<string, unknown>> };
  assert.equal(doc.checks.map((c) => c.id), ['db', 'dns-lan', 'web']);
  for (const c of doc.checks) for (const key of ['createdAt', 'updatedAt', 'createdBy', 'canEdit', 'state']) assert.not.ok(key in c, `${key} is not exported`);
  const json = await exportText('json');
  assert.equal(JSON.parse(json.text), doc, 'the JSON says the same as the YAML');
  for (const [format, text] of [['yaml', yaml.text], ['json', json.text]] as const) {
    const back = await importText({ format, text, mode: 'replace' });
    assert.equal([back.data.unchanged.length, back.data.created, back.data.updated, back.data.deleted], [3, [], [], []], format);
  }
});

test('merge updates what changed; replace also deletes what the file leaves out', async () => {
  const changed = YAML_FILE.replace('name: Database', 'name: Postgres');
  const merged = await importText({ format: 'yaml', text: changed, mode: 'merge' });
  assert.equal([merged.data.updated, merged.data.unchanged], [['db'], ['web', 'dns-lan']]);
  assert.is((await admin.get<CheckView>('/api/checks/db')).data.name, 'Postgres');
  const only = JSON.stringify({ checks: [{ id: 'web', kind: 'http', target: 'https://example.org/', name: 'Web site', http: { acceptStatus: ['200', '3xx'], keyword: { text: 'Welcome' } }, alerting: { latency: { warning: 0.1, critical: 0.5, for: 60 } } }] });
  const replaced = await importText({ format: 'json', text: only, mode: 'replace' });
  assert.equal([replaced.data.deleted.sort(), replaced.data.unchanged], [['db', 'dns-lan'], ['web']]);
  assert.equal((await list()).map((c) => c.id), ['web']);
});

test('one invalid item rejects the whole file, naming checks[i] and the field', async () => {
  const text = JSON.stringify({
    checks: [
      { id: 'new-one', kind: 'ping', target: 'example.org', name: 'New' },
      { id: 'web', kind: 'http', target: 'https://example.org/', name: 'Web' },
      { id: 'bad', kind: 'http', target: 'https://example.org/', name: 'Bad', http: { acceptStatus: ['200', 'ok'] } },
      { id: 'web', kind: 'ping', target: 'x', name: 'Twice' },
    ],
  });
  const answer = await importText({ format: 'json', text, mode: 'replace' });
  assert.is(answer.status, 400);
  const error = errorOf(answer.body);
  assert.equal(error.fields!.map((f) => f.field), ['checks[2].http.acceptStatus[1]', 'checks[3].id']);
  assert.match(error.message, /^checks\[2\]\.http\.acceptStatus\[1\]: expected a status code or range/);
  assert.equal((await list()).map((c) => c.id), ['web'], 'nothing applied');
  const badYaml = await importText({ format: 'yaml', text: 'checks: [ {id: x' });
  assert.equal([badYaml.status, errorOf(badYaml.body).field], [400, 'text']);
  assert.match(errorOf(badYaml.body).message, /^text: not valid YAML/);
  const noList = await importText({ format: 'json', text: '{"check": []}' });
  assert.equal([noList.status, errorOf(noList.body).field], [400, 'checks']);
  const badMode = await importText({ format: 'json', text: '{"checks": []}', mode: 'wipe' });
  assert.equal([badMode.status, errorOf(badMode.body).field], [400, 'mode']);
});

test('200 checks in one file pass the import route\'s body limit (the rest of the API keeps 16 kB)', async () => {
  const checks = Array.from({ length: 200 }, (_, i) => ({
    id: `site-${i}`, runners: [`vps-${i % 2}`], kind: 'http', target: `https://site-${i}.example.org/some/longer/path?with=query`, name: `Site number ${i} of the fleet`,
    http: { method: 'GET', headers: { 'user-agent': 'vigie-check', accept: 'text/html' }, acceptStatus: ['200-299', '301'], keyword: { text: 'Welcome to the site' } },
    alerting: { downAfter: 2, latency: { warning: 0.5, critical: 1, for: 120 } },
  }));
  const text = JSON.stringify({ checks }, null, 2);
  assert.ok(text.length > 16 * 1024 * 4, `a big file (${text.length} bytes)`);
  const answer = await importText({ format: 'json', text, mode: 'merge' });
  assert.is(answer.status, 200, JSON.stringify(answer.body).slice(0, 300));
  assert.is(answer.data.created.length, 200);
  const big = await admin.send('POST', '/api/checks', { id: 'big', kind: 'ping', target: 'x', name: 'x'.repeat(20_000) });
  assert.is(big.status, 413, 'other routes keep the small limit');
});

test.run();
