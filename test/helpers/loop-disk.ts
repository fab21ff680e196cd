/**
 * A real small disk for tests that must fill one (issue 14: an action that
 * frees space resolves a disk alert): a sparse file made into ext4
 * (`truncate` + `mkfs.ext4 -q`), mounted with `mount -o loop` on a temp
 * directory. The agent's disk collector (agent/collectors/disks.linux.ts)
 * reports it like any disk: ext4, its own loop device, its own mount.
 *
 * It is made writable for the script user (`owner`, e.g. `nobody`, the
 * agent's default `scriptsUser`): the mount's root belongs to that user and
 * the directories above it are traversable, so a script running as that user
 * can delete what the test wrote there.
 *
 * Mounting needs root (tests run as root here and in CI) and e2fsprogs
 * (infra/ci/install-deps.sh). When it is impossible, `canLoopMount()` throws
 * under CI=true and prints a SKIP line outside; `startLoopDisk` throws with
 * the reason. `close()` unmounts, detaches the loop device and removes the
 * files, also after a failed test (it never throws, so it can sit in `after`).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { IN_CI, tempDir } from './env.js';

export const MKFS_EXT4 = ['/usr/sbin/mkfs.ext4', '/sbin/mkfs.ext4'].find((p) => existsSync(p)) ?? 'mkfs.ext4';
const MOUNT = ['/usr/bin/mount', '/bin/mount'].find((p) => existsSync(p)) ?? 'mount';
const UMOUNT = ['/usr/bin/umount', '/bin/umount'].find((p) => existsSync(p)) ?? 'umount';
const LOSETUP = ['/usr/sbin/losetup', '/sbin/losetup'].find((p) => existsSync(p)) ?? 'losetup';

export interface LoopDisk {
  /** Where it is mounted (a fresh temp directory). */
  mount: string;
  /** Its loop device, e.g. `/dev/loop3`. */
  device: string;
  /** Where the test's filler files go: `<mount>/fill`, owned by the script user. */
  fillDir: string;
  /** Used space as `df` and the agent count it: used / (used + available), %. */
  usedPercent(): number;
  /** Writes real blocks (not a sparse file) into `fillDir` until usedPercent() ≥ `percent`; returns the files written. */
  fillTo(percent: number): string[];
  /** Deletes everything in `fillDir` (what a cleanup script would do) and syncs. */
  empty(): void;
  /** Unmounts, detaches the loop device, removes the image; idempotent, never throws. */
  close(): void;
}

function run(file: string, args: string[]): string {
  return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function whyNot(): string | null {
  if (process.getuid?.() !== 0) return 'not root: mount -o loop needs root (tests run as root in CI)';
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  for (const [name, path] of [['mkfs.ext4 (e2fsprogs)', MKFS_EXT4], ['mount (mount)', MOUNT], ['losetup (mount)', LOSETUP]] as const) {
    if (!existsSync(path)) return `${name} is not installed`;
  }
  if (!existsSync('/dev/loop-control') && !existsSync('/dev/loop0')) return 'no loop devices (/dev/loop-control): the kernel or the container does not offer them';
  return null;
}

/** True when a loop disk can be made here; otherwise it throws under CI=true and prints a SKIP line naming `suite` and the reason outside. */
export function canLoopMount(suite: string): boolean {
  const reason = whyNot();
  if (reason === null) return true;
  if (IN_CI) throw new Error(`${suite} needs a loop-mounted ext4 disk under CI=true, and cannot make one here: ${reason} (see infra/ci/install-deps.sh)`);
  console.log(`SKIP: ${suite}: cannot make a loop-mounted ext4 disk: ${reason}`);
  return false;
}

/** The user's numeric uid and gid, from the system's user database (`id`). */
export function userIds(user: string): { uid: number; gid: number } {
  return { uid: Number(run('id', ['-u', user]).trim()), gid: Number(run('id', ['-g', user]).trim()) };
}

/** Device mounted at `mount` according to /proc/self/mounts, or null. */
function deviceAt(mount: string): string | null {
  for (const line of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
    const [device, at] = line.split(' ');
    if (at === mount && device) return device;
  }
  return null;
}

/**
 * Makes, formats and mounts a `sizeMiB` ext4 disk (no root reserve, so
 * used + available is the whole data area and percentages match `df`).
 * `owner` (a user name) gets the mount's root and `fillDir`.
 */
export function startLoopDisk(opts: { sizeMiB?: number; owner?: string } = {}): LoopDisk {
  const reason = whyNot();
  if (reason) throw new Error(`cannot make a loop disk: ${reason}`);
  const dir = tempDir('vigie-loop-');
  // mkdtemp makes 0700: the script user must be able to walk down to the mount.
  chmodSync(dir.path, 0o755);
  const image = join(dir.path, 'disk.img');
  const mount = join(dir.path, 'mnt');
  const fillDir = join(mount, 'fill');
  let device = '';
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    if (deviceAt(mount) !== null) {
      try {
        run(UMOUNT, [mount]);
      } catch {
        try {
          run(UMOUNT, ['-l', mount]); // busy (a script still in it): detach lazily rather than leave it mounted
        } catch {
          // nothing more to do; reported by the mount still being listed
        }
      }
    }
    // `mount -o loop` sets autoclear, so umount detaches; a device left behind (lazy unmount, failed mount) is detached here.
    if (device.startsWith('/dev/loop')) {
      try {
        if (run(LOSETUP, ['-j', image]).includes(device)) run(LOSETUP, ['-d', device]);
      } catch {
        // already detached
      }
    }
    dir.remove();
  };
  try {
    run('truncate', ['-s', `${opts.sizeMiB ?? 16}M`, image]);
    run(MKFS_EXT4, ['-q', '-F', '-m', '0', '-L', 'vigie-test', image]);
    mkdirSync(mount, { mode: 0o755 });
    run(MOUNT, ['-o', 'loop', image, mount]);
    device = deviceAt(mount) ?? '';
    if (!device.startsWith('/dev/loop')) throw new Error(`mounted ${image} on ${mount} but /proc/self/mounts shows ${device || 'nothing'} there`);
    mkdirSync(fillDir, { mode: 0o755 });
    if (opts.owner) {
      const { uid, gid } = userIds(opts.owner);
      chownSync(mount, uid, gid);
      chownSync(fillDir, uid, gid);
    }
  } catch (error) {
    close();
    const e = error as Error & { stderr?: string };
    throw new Error(`cannot make a loop disk: ${e.message}${e.stderr ? ` (${e.stderr.trim()})` : ''}`);
  }

  const usedPercent = (): number => {
    const s = statfsSync(mount);
    const used = (s.blocks - s.bfree) * s.bsize;
    const avail = s.bavail * s.bsize;
    return (used / (used + avail)) * 100;
  };
  let n = 0;
  return {
    mount,
    device,
    fillDir,
    usedPercent,
    fillTo(percent) {
      const written: string[] = [];
      const chunk = Buffer.alloc(256 * 1024, 0x5a);
      while (usedPercent() < percent) {
        const s = statfsSync(mount);
        const wanted = Math.ceil(((percent - usedPercent()) / 100) * (s.blocks * s.bsize));
        const path = join(fillDir, `filler-${++n}.bin`);
        const fd = openSync(path, 'w', 0o644);
        try {
          for (let left = Math.max(wanted, s.bsize); left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(left, chunk.length));
          fsyncSync(fd); // ext4 allocates at writeback: sync so statfs (ours and the agent's) counts the blocks now
        } finally {
          closeSync(fd);
        }
        written.push(path);
      }
      return written;
    },
    empty() {
      for (const name of readdirSync(fillDir)) rmSync(join(fillDir, name), { recursive: true, force: true });
      run('sync', ['-f', mount]);
    },
    close,
  };
}
