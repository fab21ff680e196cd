import { statfs as fsStatfs } from 'node:fs/promises';
import { percent, round } from '../../protocol/units.js';
import type { DiskMetrics } from '../../protocol/payloads.js';
import { readText, underRoot } from './procfs.js';
import { byCodeUnits } from './order.js';

/** What `statfs(2)` gives that we use; injectable so fixtures can supply it. */
export interface StatfsResult {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
}
export type Statfs = (path: string) => Promise<StatfsResult>;

export interface Mount {
  device: string;
  mount: string;
  fs: string;
}

/**
 * Pseudo and read-only image filesystems: not disks anyone fills. The list
 * follows node_exporter's default `--collector.filesystem.fs-types-exclude`
 * plus the container and image filesystems seen in practice.
 */
const IGNORED_FS = new Set([
  'autofs', 'binfmt_misc', 'bpf', 'cgroup', 'cgroup2', 'configfs', 'debugfs', 'devpts', 'devtmpfs', 'efivarfs',
  'erofs', 'fusectl', 'hugetlbfs', 'iso9660', 'mqueue', 'nsfs', 'overlay', 'proc', 'procfs', 'pstore', 'ramfs',
  'rpc_pipefs', 'securityfs', 'selinuxfs', 'squashfs', 'sysfs', 'tmpfs', 'tracefs', 'aufs', 'nfsd', 'rootfs',
]);
/** FUSE filesystems that expose no storage of their own (real ones, e.g. fuseblk for NTFS, are kept). */
const IGNORED_FUSE = new Set(['fuse.lxcfs', 'fuse.gvfsd-fuse', 'fuse.portal', 'fuse.snapfuse', 'fuse.xdg-document-portal', 'fuse.squashfuse', 'fuse.appimagefuse']);

export function isIgnoredFs(fs: string): boolean {
  return IGNORED_FS.has(fs) || fs.startsWith('cgroup') || IGNORED_FUSE.has(fs);
}

/** /proc/mounts escapes space, tab, newline and backslash as octal (`\040`). */
const unescapeMount = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/**
 * The real filesystems in /proc/mounts (fstab(5) format), one per device:
 * a device mounted twice (bind mounts, btrfs subvolumes) keeps its shortest
 * mount path, so its space is not counted twice.
 */
export function parseMounts(text: string): Mount[] {
  const byDevice = new Map<string, Mount>();
  for (const line of text.split('\n')) {
    const [rawDevice, rawMount, fs] = line.split(' ');
    if (!rawDevice || !rawMount || !fs || isIgnoredFs(fs)) continue;
    const m: Mount = { device: unescapeMount(rawDevice), mount: unescapeMount(rawMount), fs };
    if (m.mount.length > 512 || fs.length > 64) continue; // beyond what the metrics schema accepts
    const seen = byDevice.get(m.device);
    if (!seen || m.mount.length < seen.mount.length) byDevice.set(m.device, m);
  }
  return [...byDevice.values()].sort((a, b) => byCodeUnits(a.mount, b.mount));
}

/**
 * Sizes as `df` reports them: used = (blocks − bfree) × bsize, free = what
 * unprivileged users can still write (bavail), used % = used / (used + avail).
 */
export function diskFromStatfs(m: Mount, s: StatfsResult): DiskMetrics {
  const total = s.blocks * s.bsize;
  const used = (s.blocks - s.bfree) * s.bsize;
  const free = s.bavail * s.bsize;
  return { mount: m.mount, fs: m.fs, total, used, free, usedPercent: round(percent(used, used + free)) };
}

export function createLinuxDisks(root: string | undefined, statfs: Statfs = fsStatfs): () => Promise<DiskMetrics[]> {
  return async () => {
    const mounts = parseMounts(await readText(root, 'proc/self/mounts'));
    const disks: DiskMetrics[] = [];
    await Promise.all(
      mounts.map(async (m) => {
        try {
          const s = await statfs(underRoot(root, m.mount));
          if (s.blocks > 0) disks.push(diskFromStatfs(m, s));
        } catch {
          // A mount that vanished or is unreachable (stale NFS): left out this time, not an error of the group.
        }
      }),
    );
    return disks.sort((a, b) => byCodeUnits(a.mount, b.mount)).slice(0, 128);
  };
}
