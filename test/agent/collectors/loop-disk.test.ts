/**
 * The loop disk the script suites fill (test/helpers/loop-disk.ts) is a disk
 * to the agent: the real disks collector reports it as ext4 on its own mount,
 * with the usage `df` shows, and sees it fill and empty. It also belongs to
 * the script user, who can delete what was written there.
 */
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COLLECTORS } from '../../../agent/collectors/index.js';
import type { DiskMetrics } from '../../../protocol/payloads.js';
import { canLoopMount, startLoopDisk, type LoopDisk } from '../../helpers/loop-disk.js';

if (canLoopMount('the loop disk suite')) {
  let disk: LoopDisk | undefined;
  test.after(() => disk?.close());

  const seen = async (mount: string): Promise<DiskMetrics | undefined> =>
    (await COLLECTORS.disks({ source: 'procfs' }).collect()).disks?.find((d) => d.mount === mount);

  test('the agent reports the loop disk as ext4 and follows it filling and emptying', async () => {
    disk = startLoopDisk({ sizeMiB: 16, owner: 'nobody' });
    assert.match(disk.device, /^\/dev\/loop\d+$/);
    const fresh = await seen(disk.mount);
    assert.ok(fresh, `the disks collector does not list ${disk.mount}`);
    assert.is(fresh.fs, 'ext4');
    assert.ok(fresh.total > 12 * 1024 * 1024 && fresh.total <= 16 * 1024 * 1024, `total ${fresh.total}`);
    assert.ok(fresh.usedPercent < 20, `a fresh disk is nearly empty (${fresh.usedPercent} %)`);

    disk.fillTo(90);
    const full = await seen(disk.mount);
    assert.ok(full && full.usedPercent >= 90 && full.usedPercent < 99, `filled to ${full?.usedPercent} %`);
    assert.ok(Math.abs(full.usedPercent - disk.usedPercent()) < 0.5, `the agent (${full.usedPercent} %) and statfs (${disk.usedPercent()} %) agree`);

    // The script user (nobody) may delete the filler, as a cleanup script running as that user will.
    execFileSync('/usr/bin/setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '/bin/sh', '-c', 'rm -f -- "$1"/*', 'sh', disk.fillDir]);
    execFileSync('sync', ['-f', disk.mount]);
    const emptied = await seen(disk.mount);
    assert.ok(emptied && emptied.usedPercent < 20, `emptied to ${emptied?.usedPercent} %`);
  });

  test('close() unmounts and detaches the loop device, and is idempotent', () => {
    const d = disk!;
    d.close();
    d.close();
    const mounts = execFileSync('cat', ['/proc/self/mounts'], { encoding: 'utf8' });
    assert.not.ok(mounts.includes(` ${d.mount} `), 'still mounted');
    const attached = execFileSync('losetup', ['-a'], { encoding: 'utf8' });
    assert.not.ok(attached.includes(d.mount.replace(/\/mnt$/, '')), `still attached: ${attached}`);
  });
}

test.run();
