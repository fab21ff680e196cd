/**
 * Service list parsers, one generic loop over fixtures:
 *   fixtures/systemd/<case>/{list-units.txt, list-unit-files.txt, expected.json}
 *   fixtures/windows/<case>/{input.json, expected.json}   (Get-CimInstance Win32_Service | ConvertTo-Json)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findServiceManager } from '../../../agent/services/index.js';
import { mergeSystemd, parseListUnitFiles, parseListUnits } from '../../../agent/services/systemd.js';
import { parseWin32Services } from '../../../agent/services/windows.js';
import { PROTOCOL_VERSION, validatePayload, type ServiceEntry } from '../../../protocol/payloads.js';
import '../../helpers/env.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/agent/services/fixtures/', import.meta.url));
const read = (...parts: string[]): string => readFileSync(join(FIXTURES, ...parts), 'utf8');

const PARSERS: Record<string, (dir: string) => ServiceEntry[]> = {
  systemd: (dir) => mergeSystemd(parseListUnits(read(dir, 'list-units.txt')), parseListUnitFiles(read(dir, 'list-unit-files.txt'))),
  windows: (dir) => parseWin32Services(read(dir, 'input.json')),
};

for (const manager of readdirSync(FIXTURES).sort()) {
  for (const name of readdirSync(join(FIXTURES, manager)).sort()) {
    test(`${manager}/${name}`, () => {
      const parse = PARSERS[manager];
      assert.ok(parse, `no parser for fixtures/${manager}`);
      const services = parse(join(manager, name));
      assert.equal(services, JSON.parse(read(manager, name, 'expected.json')));
      const checked = validatePayload('services', { v: PROTOCOL_VERSION, ts: Date.now(), services });
      assert.ok(checked.ok, checked.ok ? '' : checked.error);
    });
  }
}

test('windows: output that is not JSON throws (the monitor logs it and keeps the last list)', () => {
  assert.throws(() => parseWin32Services('Get-CimInstance : Access denied'), /JSON/);
});

test('this machine: systemd is used only when it is the init system (sd_booted)', async () => {
  const manager = await findServiceManager();
  if (existsSync('/run/systemd/system')) {
    assert.ok('list' in manager);
    if ('list' in manager) assert.ok((await manager.list()).length > 0);
  } else if (process.platform === 'linux') {
    assert.ok('unavailable' in manager && /systemd is not the init system/.test(manager.unavailable));
  }
});

test('an OS without a supported service manager says why', async () => {
  const manager = await findServiceManager('aix');
  assert.ok('unavailable' in manager && manager.unavailable.includes('aix'));
});

test.run();
