import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { envName, loadConfig, VigieConfig } from '../../cli/config.js';
import { COMMON_CONFIG, SERVER_BLOCKS } from '../../cli/config-common.js';
import { renderConfigDoc } from '../../cli/config-docs.js';
import { tempDir } from '../helpers/env.js';

const dir = tempDir();
test.after(() => dir.remove());

test('SERVER_BLOCKS lists every block but the common ones and the agent\'s (the standalone agent skips exactly these)', () => {
  const blocks = Object.keys(VigieConfig.properties).filter((k) => !(k in COMMON_CONFIG) && k !== 'agent').sort();
  assert.equal([...SERVER_BLOCKS].sort(), blocks);
});

test('defaults: data dir ./data, HTTP 8080, MQTT 1883, 5 s interval', () => {
  const r = loadConfig({ env: {}, cwd: dir.path });
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.value.dataDir, './data');
  assert.is(r.value.http.port, 8080);
  assert.is(r.value.broker.port, 1883);
  assert.is(r.value.agent.interval, 5);
  assert.is(r.value.broker.maxPacketSize, 65536);
  assert.ok(Object.isFrozen(r.value.http), 'the config is frozen');
});

test('env names follow the dotted path', () => {
  assert.is(envName('dataDir'), 'VIGIE_DATA_DIR');
  assert.is(envName('http.port'), 'VIGIE_HTTP_PORT');
  assert.is(envName('ingest.retention.raw'), 'VIGIE_INGEST_RETENTION_RAW');
});

test('precedence: flags > environment > file', () => {
  const file = join(dir.path, 'vigie.json');
  writeFileSync(file, JSON.stringify({ http: { port: 1111 }, broker: { port: 2222 }, dataDir: '/from/file' }));
  const r = loadConfig({ file, env: { VIGIE_HTTP_PORT: '3333', VIGIE_DATA_DIR: '/from/env' }, overrides: { 'http.port': '4444' }, cwd: dir.path });
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.value.http.port, 4444);
  assert.is(r.value.broker.port, 2222);
  assert.is(r.value.dataDir, '/from/env');
});

test('./vigie.json is read when present', () => {
  writeFileSync(join(dir.path, 'vigie.json'), JSON.stringify({ agent: { interval: 10 } }));
  const r = loadConfig({ env: {}, cwd: dir.path });
  assert.ok(r.ok && r.value.agent.interval === 10);
});

test('every error names its key and the expected form, all at once', () => {
  const file = join(dir.path, 'bad.json');
  writeFileSync(file, JSON.stringify({ http: { port: 'eighty' }, brokr: {}, agent: { interval: -1 } }));
  const r = loadConfig({ file, env: { VIGIE_BROKER_PORT: '99999' }, cwd: dir.path });
  assert.is(r.ok, false);
  if (r.ok) return;
  assert.match(r.error, /^brokr: unknown key \(expected one of .*broker/m);
  assert.match(r.error, /^http\.port: Expected integer \(got "eighty"\)/m);
  assert.match(r.error, /^broker\.port: .*65535/m);
  assert.match(r.error, /^agent\.interval: .*greater or equal to/m);
});

test('a missing or broken file is reported by name', () => {
  const missing = loadConfig({ file: 'nope.json', env: {}, cwd: dir.path });
  assert.ok(!missing.ok && /nope\.json: file not found/.test(missing.error));
  writeFileSync(join(dir.path, 'broken.json'), '{ "http": ');
  const broken = loadConfig({ file: 'broken.json', env: {}, cwd: dir.path });
  assert.ok(!broken.ok && /broken\.json: not valid JSON/.test(broken.error));
});

test('a bad topic prefix is refused', () => {
  const r = loadConfig({ env: { VIGIE_MQTT_PREFIX: 'vigie/#' }, cwd: dir.path });
  assert.ok(!r.ok && /^mqtt\.prefix:/m.test(r.error));
});

test('docs/configuration.md is generated from the schema (run `npm run docs`)', () => {
  const onDisk = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  assert.ok(onDisk === renderConfigDoc(), 'docs/configuration.md is stale: run `npm run docs` and commit it');
});

test.run();
