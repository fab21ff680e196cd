/**
 * A real container engine for tests: Debian's podman serving the Docker
 * Engine API (`podman system service`) on a unix socket in a temp directory,
 * with its own storage (vfs), run root, CNI network config and IPAM state
 * there too, so the machine's podman store and networks are never touched.
 *
 * No registry is reachable, so the image is built here: a root filesystem
 * holding this machine's `sleep` and `dash` (as /bin/sh) with the libc and
 * loader they need (from `ldd`), imported as `localhost/vigie-test:1`.
 *
 * What this machine needed (a Firecracker VM, root, cgroup v1 + an empty v2
 * hierarchy, no CAP_SYS_RESOURCE) and the helper does:
 * - the service runs in private mount and network namespaces (`unshare -m -n`):
 *   in the mount namespace the hybrid cgroup v2 mount is unmounted (crun
 *   refuses "hybrid mode" when v2 lists a controller), and tmpfs covers
 *   /run/netns and /run/crun so no state is left under the host's /run; in
 *   the network namespace the default bridge (CNI `bridge`, here `vigie0`)
 *   and its iptables rules live and vanish with the service;
 * - containers get `nofile`/`nproc` limits of 1024 (containers.conf
 *   `default_ulimits`): podman's defaults are above this VM's hard limits and
 *   crun's setrlimit fails without CAP_SYS_RESOURCE;
 * - podman 4.3 runs healthchecks from systemd timers, absent here: tests run
 *   one through the libpod API ({@link PodmanService.healthcheck}), which is
 *   what the timer does.
 *
 * Without podman (or not root: namespaces need it): `havePodman()` throws
 * under CI=true, prints a SKIP line outside.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { IN_CI, tempDir, waitFor } from './env.js';

const run = promisify(execFile);
export const PODMAN = process.env.VIGIE_PODMAN ?? '/usr/bin/podman';
export const TEST_IMAGE = 'localhost/vigie-test:1';

/** True when podman can run here; under CI=true a missing one throws, outside CI it prints a SKIP line. */
export function havePodman(): boolean {
  let why = '';
  if (!existsSync(PODMAN)) why = `podman (${PODMAN}) is not installed`;
  else if (typeof process.getuid === 'function' && process.getuid() !== 0) why = 'podman tests need root (private mount and network namespaces)';
  else if (!existsSync('/usr/bin/unshare') || !existsSync('/usr/bin/nsenter')) why = 'unshare/nsenter (util-linux) are missing';
  if (!why) return true;
  if (IN_CI) throw new Error(`${why}; required under CI=true (see infra/ci/install-deps.sh)`);
  console.log(`SKIP: ${why}; the podman suites need it`);
  return false;
}

export interface ContainerSpec {
  name: string;
  cmd: string[];
  /** Docker API `Healthcheck` (Test, Interval, Retries… in ns). */
  healthcheck?: Record<string, unknown>;
  /** Docker API `HostConfig` (RestartPolicy, Memory…). */
  hostConfig?: Record<string, unknown>;
}

export interface PodmanService {
  /** The Docker Engine API socket. */
  socket: string;
  /** A request to the API; resolves with the status and parsed JSON (or text). */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** Creates and starts a container from the test image; resolves with its full id. */
  start(spec: ContainerSpec): Promise<string>;
  /** Runs a container's healthcheck once (what podman's systemd timer would do); resolves with its status. */
  healthcheck(name: string): Promise<string>;
  /** The service process id (its namespaces are the containers'). */
  pid: number;
  /** The podman CLI inside the service's namespaces and store (`inspect`, `stats --no-stream --format json`…): stdout. */
  cli(...args: string[]): Promise<string>;
  /** Removes every container and stops the service; idempotent. */
  stop(): Promise<void>;
}

/** Builds the image's root filesystem tarball from this machine's binaries. */
async function buildImageTar(dir: string): Promise<string> {
  const root = join(dir, 'rootfs');
  const files = new Set<string>(['/usr/bin/sleep', '/usr/bin/dash']);
  for (const bin of ['/usr/bin/sleep', '/usr/bin/dash']) {
    const { stdout } = await run('ldd', [bin]);
    for (const m of stdout.matchAll(/(\/\S+\.so[^\s]*)/g)) if (m[1]) files.add(m[1]);
  }
  for (const f of files) {
    const target = join(root, f.startsWith('/usr/bin/') ? f.replace('/usr/bin/', '/bin/') : f);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(f, target);
  }
  symlinkSync('dash', join(root, 'bin', 'sh'));
  const tar = join(dir, 'image.tar');
  await run('tar', ['-C', root, '-cf', tar, '.']);
  return tar;
}

/** Starts `podman system service` as described above, with the test image imported. */
export async function startPodman(): Promise<PodmanService> {
  const tmp = tempDir('vigie-podman-');
  const dir = tmp.path;
  const socket = join(dir, 'podman.sock');
  mkdirSync(join(dir, 'cni'));
  writeFileSync(join(dir, 'cni', 'vigie.conflist'), JSON.stringify({
    cniVersion: '0.4.0', name: 'podman',
    plugins: [{
      type: 'bridge', bridge: 'vigie0', isGateway: true, ipMasq: false,
      ipam: { type: 'host-local', dataDir: join(dir, 'ipam'), ranges: [[{ subnet: '10.89.0.0/24', gateway: '10.89.0.1' }]] },
    }],
  }));
  writeFileSync(join(dir, 'containers.conf'), '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n');
  const globals = [
    '--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--tmpdir', join(dir, 'tmp'), '--storage-driver', 'vfs',
    '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--network-config-dir', join(dir, 'cni'),
  ];
  const env = { ...process.env, CONTAINERS_CONF: join(dir, 'containers.conf') };
  try {
    await run(PODMAN, [...globals, 'import', '--change', 'CMD ["/bin/sleep","infinity"]', await buildImageTar(dir), TEST_IMAGE], { env });
  } catch (error) {
    tmp.remove();
    throw error;
  }

  // Mount points for the namespace's tmpfs; removed at stop when this helper made them (left empty on the host).
  const made = ['/run/netns', '/run/crun'].filter((d) => !existsSync(d));
  for (const d of ['/run/netns', '/run/crun']) mkdirSync(d, { recursive: true });
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const script = [
    'set -e',
    'if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi',
    'mount -t tmpfs tmpfs /run/netns', 'mount -t tmpfs tmpfs /run/crun', 'ip link set lo up',
    `exec ${[PODMAN, ...globals, 'system', 'service', '--time=0', `unix://${socket}`].map(q).join(' ')}`,
  ].join('\n');
  let output = '';
  const child: ChildProcess = spawn('unshare', ['-m', '-n', '--propagation', 'private', 'sh', '-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-4000); });
  child.stderr?.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-4000); });
  let exited = false;
  child.on('exit', () => { exited = true; });

  const api = (method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request({ socketPath: socket, path, method, headers: { host: 'd', 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { text += c; });
        res.on('end', () => {
          let parsed: unknown = text;
          try { parsed = text ? JSON.parse(text) : null; } catch { /* text */ }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end(data);
    });

  try {
    await waitFor('podman system service to listen', async () => {
      if (exited) throw new Error(`podman system service exited: ${output}`);
      return existsSync(socket) && (await api('GET', '/version')).status === 200;
    }, 30_000, 100);
  } catch (error) {
    child.kill('SIGKILL');
    tmp.remove();
    throw error;
  }

  let stopped: Promise<void> | null = null;
  const service: PodmanService = {
    socket,
    pid: child.pid ?? 0,
    api,
    async start(spec) {
      const created = await api('POST', `/v1.41/containers/create?name=${encodeURIComponent(spec.name)}`, {
        Image: TEST_IMAGE, Cmd: spec.cmd, ...(spec.healthcheck ? { Healthcheck: spec.healthcheck } : {}), HostConfig: spec.hostConfig ?? {},
      });
      if (created.status !== 201) throw new Error(`create ${spec.name}: HTTP ${created.status} ${JSON.stringify(created.body)}`);
      const started = await api('POST', `/v1.41/containers/${spec.name}/start`);
      if (started.status !== 204) throw new Error(`start ${spec.name}: HTTP ${started.status} ${JSON.stringify(started.body)}`);
      return (created.body as { Id: string }).Id;
    },
    async healthcheck(name) {
      const r = await api('GET', `/v4.0.0/libpod/containers/${encodeURIComponent(name)}/healthcheck`);
      if (r.status !== 200) throw new Error(`healthcheck ${name}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      return (r.body as { Status: string }).Status;
    },
    async cli(...args) {
      if (child.pid === undefined) throw new Error('no service');
      // The service is the shell's exec'ed podman: its namespaces are the ones the containers run in.
      const { stdout } = await run('nsenter', ['-t', String(child.pid), '-m', '-n', PODMAN, ...globals, ...args], { env, maxBuffer: 16 * 1024 * 1024 });
      return stdout;
    },
    stop() {
      stopped ??= (async () => {
        try {
          const list = await api('GET', '/v1.41/containers/json?all=true');
          for (const c of (Array.isArray(list.body) ? list.body : []) as { Id: string }[]) {
            await api('DELETE', `/v1.41/containers/${c.Id}?force=true&t=0`).catch(() => undefined);
          }
        } catch { /* the service is gone already */ }
        if (!exited) {
          const gone = new Promise<void>((r) => child.once('exit', () => r()));
          child.kill('SIGTERM');
          await gone;
        }
        tmp.remove();
        for (const d of made) {
          try { rmdirSync(d); } catch { /* another suite's service still uses it */ }
        }
      })();
      return stopped;
    },
  };
  return service;
}
