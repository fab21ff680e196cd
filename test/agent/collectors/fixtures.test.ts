/**
 * One generic loop over collector fixtures (STYLE §5):
 *   fixtures/<collector>/<case>/input/…         one snapshot of proc/ and sys/ files
 *   fixtures/<collector>/<case>/input/{1,2}/…   two snapshots, for rate collectors
 *   fixtures/<collector>/<case>/input/statfs.json  recorded statfs(2) results per mount (disks)
 *   fixtures/<collector>/<case>/case.json       { "elapsedMs": … } between the two snapshots
 *   fixtures/<collector>/<case>/expected.json   what the last collect() returns
 * Collectors read real files: the snapshot is copied into a temp root, then
 * replaced by the second one.
 */
import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COLLECTORS, COLLECTOR_NAMES, type CollectorName } from '../../../agent/collectors/index.js';
import type { StatfsResult } from '../../../agent/collectors/disks.linux.js';
import { PROTOCOL_VERSION, validatePayload } from '../../../protocol/payloads.js';
import { tempDir } from '../../helpers/env.js';

// Compiled to dist/test/agent/collectors/: the fixtures stay in the source tree.
const FIXTURES = fileURLToPath(new URL('../../../../test/agent/collectors/fixtures/', import.meta.url));
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

function copySnapshot(from: string, to: string): void {
  for (const name of readdirSync(to)) rmSync(join(to, name), { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
}

for (const collector of readdirSync(FIXTURES).sort()) {
  test(`fixtures exist only for registered collectors: ${collector}`, () => {
    assert.ok((COLLECTOR_NAMES as string[]).includes(collector), `${collector} is not in agent/collectors/index.ts`);
  });
  for (const name of readdirSync(join(FIXTURES, collector)).sort()) {
    const dir = join(FIXTURES, collector, name);
    test(`${collector}/${name}`, async () => {
      const input = join(dir, 'input');
      const snapshots = existsSync(join(input, '1')) ? [join(input, '1'), join(input, '2')] : [input];
      const elapsedMs = existsSync(join(dir, 'case.json')) ? readJson<{ elapsedMs: number }>(join(dir, 'case.json')).elapsedMs : 1000;
      const root = tempDir('vigie-fixture-');
      try {
        let now = 1_000_000;
        let statfsTable: Record<string, StatfsResult> = {};
        const statfs = async (path: string): Promise<StatfsResult> => {
          const mount = `/${relative(root.path, path).split(sep).join('/')}`;
          const found = statfsTable[mount];
          if (!found) throw Object.assign(new Error(`ENOENT: ${mount}`), { code: 'ENOENT' });
          return found;
        };
        const c = COLLECTORS[collector as CollectorName]({ root: root.path, source: 'procfs', now: () => now, statfs });
        let result: unknown;
        for (const snapshot of snapshots) {
          copySnapshot(snapshot, root.path);
          const statfsFile = join(root.path, 'statfs.json');
          statfsTable = existsSync(statfsFile) ? readJson(statfsFile) : {};
          result = await c.collect();
          now += elapsedMs;
        }
        assert.equal(result, readJson(join(dir, 'expected.json')));
        const checked = validatePayload('metrics', { ...(result as object), v: PROTOCOL_VERSION, ts: Date.now() });
        assert.ok(checked.ok, checked.ok ? '' : checked.error);
      } finally {
        root.remove();
      }
    });
  }
}

test('a collector reading a malformed file rejects with the file named', async () => {
  const root = tempDir('vigie-fixture-');
  try {
    cpSync(join(FIXTURES, 'cpu/first-sample-since-boot/input'), root.path, { recursive: true });
    rmSync(join(root.path, 'proc/stat'));
    cpSync(join(FIXTURES, 'uptime/basic/input/proc/uptime'), join(root.path, 'proc/stat'));
    await COLLECTORS.cpu({ root: root.path, source: 'procfs' }).collect().then(
      () => assert.unreachable('should reject'),
      (error: Error) => assert.match(error.message, 'proc/stat'),
    );
  } finally {
    root.remove();
  }
});

test.run();
