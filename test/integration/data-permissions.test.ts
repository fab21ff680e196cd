import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir, waitFor } from '../helpers/env.js';
import { startTestStack } from '../helpers/stack.js';

/**
 * Issue 10 item 6: the data directory holds password hashes, channel secrets
 * and every host's history, so it is 0700 and every file in it 0600 — under
 * the usual umask 022, and even when an older install left them open.
 */

const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8).padStart(3, '0');

/** Every file and directory below `dir`, by relative path, with its mode. */
function modes(dir: string, prefix = ''): Record<string, { mode: string; dir: boolean }> {
  const out: Record<string, { mode: string; dir: boolean }> = {};
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const isDir = statSync(path).isDirectory();
    out[prefix + name] = { mode: modeOf(path), dir: isDir };
    if (isDir) Object.assign(out, modes(path, `${prefix}${name}/`));
  }
  return out;
}

test('vigie up makes the data directory 0700 and every database, WAL and file in it 0600 (directories 0700)', async () => {
  const previous = process.umask(0o022);
  const dir = tempDir();
  try {
    // An older install: the directory and a database open to everyone.
    chmodSync(dir.path, 0o755);
    writeFileSync(join(dir.path, 'accounts.db'), '', { mode: 0o644 });
    chmodSync(join(dir.path, 'accounts.db'), 0o644);
    const up = await startTestStack('up', { dataDir: dir.path });
    try {
      // The local agent's samples reach the store: the ingest's WAL exists and has been written.
      await waitFor('samples stored', () => up.stack.ingest!.listHosts().some((h) => h.latest));
      await up.stack.ingest!.flush();
      const files = modes(dir.path);
      for (const name of ['accounts.db', 'vigie.db', 'events.db', 'alerts.db', 'notify.db', 'vigie.db-wal']) {
        assert.ok(name in files, `${name} exists (${Object.keys(files).join(', ')})`);
      }
      assert.is(modeOf(dir.path), '700', 'data directory');
      for (const [name, f] of Object.entries(files)) assert.is(f.mode, f.dir ? '700' : '600', `${name} is owner-only`);
      assert.ok(Object.keys(files).some((name) => name.startsWith('agent/')), 'the local agent\'s buffer is in it too');
    } finally {
      await up.close();
    }
  } finally {
    process.umask(previous);
    dir.remove();
  }
});

test.run();
