/**
 * Real targets for network checks (issue 12), started by the test on
 * 127.0.0.1: HTTP and HTTPS servers that record what they received, a
 * certificate of a chosen expiry made with openssl, a TCP listener and a
 * dnsmasq answering chosen records on a free port.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { freePort, requireProgram, tempDir, waitFor } from './env.js';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Handler = (req: IncomingMessage & { body: string }, res: ServerResponse) => void;

export interface HttpTarget {
  /** http(s)://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Every request received, in order, with its headers and body. */
  requests: ReceivedRequest[];
  /** Replaces the handler (a test turns the target from up to down). */
  handle(handler: Handler): void;
  close(): Promise<void>;
}

const ok: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ok');
};

/** An HTTP server, or HTTPS with `tls`, on 127.0.0.1 and a free port. */
export async function startHttpTarget(handler: Handler = ok, tls?: { cert: string; key: string }): Promise<HttpTarget> {
  let current = handler;
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      current(Object.assign(req, { body }), res);
    });
  };
  const server: Server = tls
    ? createHttpsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, listener)
    : createHttpServer(listener);
  server.on('connection', (s: Socket) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  server.on('secureConnection', (s: Socket) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  server.on('tlsClientError', () => undefined); // a probe hanging up after reading the certificate is not an error here
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    handle: (next) => {
      current = next;
    },
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** A handler answering after `ms` milliseconds (a slow endpoint). */
export const delayed = (ms: number, then: Handler = ok): Handler => (req, res) => {
  const timer = setTimeout(() => then(req, res), ms);
  res.on('close', () => clearTimeout(timer));
};

export interface TcpTarget {
  port: number;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

/** A TCP listener on 127.0.0.1 that accepts and closes connections. */
export async function startTcpTarget(): Promise<TcpTarget> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    accepted: () => accepted,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

export interface TargetCertificate {
  /** PEM files: the CA to trust, the server certificate and its key. */
  ca: string;
  cert: string;
  key: string;
  notAfter: Date;
  remove(): void;
}

/** openssl's UTCTime: YYMMDDHHMMSSZ. */
const utcTime = (d: Date): string => d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';

/**
 * A CA and a server certificate for `names` (default 127.0.0.1 and
 * localhost) that expires `days` from now (negative: already expired),
 * made with openssl's `ca` command, the one that takes an exact end date.
 */
export function makeTargetCertificate(days: number, names = ['IP:127.0.0.1', 'DNS:localhost']): TargetCertificate {
  const dir = tempDir('vigie-check-certs-');
  const p = (name: string): string => join(dir.path, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'pipe' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '3650', '-subj', '/CN=Vigie check test CA');
  openssl('req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=check target');
  writeFileSync(p('san.ext'), `subjectAltName=${names.join(',')}\n`);
  writeFileSync(p('index.txt'), '');
  writeFileSync(p('serial'), '1000\n');
  writeFileSync(p('ca.cnf'), [
    '[ca]', 'default_ca = test', '[test]', `dir = ${dir.path}`, `database = ${p('index.txt')}`, `new_certs_dir = ${dir.path}`,
    `serial = ${p('serial')}`, 'default_md = sha256', 'policy = any', 'unique_subject = no', '[any]', 'commonName = supplied', '',
  ].join('\n'));
  const now = Date.now();
  // Whole seconds: the certificate cannot say more, and the test compares the two.
  const notAfter = new Date(Math.floor((now + days * 86_400_000) / 1000) * 1000);
  const notBefore = new Date(Math.min(now, notAfter.getTime()) - 10 * 86_400_000);
  openssl('ca', '-batch', '-config', p('ca.cnf'), '-cert', p('ca.pem'), '-keyfile', p('ca.key'), '-in', p('server.csr'), '-out', p('server.pem'),
    '-startdate', utcTime(notBefore), '-enddate', utcTime(notAfter), '-extfile', p('san.ext'), '-notext');
  return { ca: p('ca.pem'), cert: p('server.pem'), key: p('server.key'), notAfter, remove: dir.remove };
}

export const DNSMASQ = '/usr/sbin/dnsmasq';

/** Whether dnsmasq is here; under CI=true its absence fails the suite (test/helpers/env.ts). */
export const haveDnsmasq = (): boolean => requireProgram('dnsmasq', existsSync(DNSMASQ));
export const havePing = (): boolean => requireProgram('ping', ['/usr/bin/ping', '/bin/ping'].some((p) => existsSync(p)));

export interface DnsRecords {
  /** name → IPv4 or IPv6 addresses (dnsmasq --address/--host-record) */
  address?: Record<string, string[]>;
  cname?: Record<string, string>;
  /** name → [preference, exchange] */
  mx?: Record<string, Array<[number, string]>>;
  txt?: Record<string, string[]>;
  /** Domains dnsmasq answers for alone (--local): an unknown name there is NXDOMAIN, not REFUSED. */
  local?: string[];
}

export interface DnsTarget {
  port: number;
  /** `127.0.0.1:<port>`, as a check's `dns.server`. */
  server: string;
  close(): Promise<void>;
}

/** dnsmasq on 127.0.0.1 and a free port, answering only `records` (no upstream, no /etc/hosts). */
export async function startDnsmasq(records: DnsRecords): Promise<DnsTarget> {
  const port = await freePort();
  const args = ['--keep-in-foreground', '--no-daemon', '--no-resolv', '--no-hosts', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces',
    '--conf-file=/dev/null', '--pid-file', '--user=root', '--log-facility=-'];
  // One record per address: dnsmasq adds them up, and a single line takes one IPv4 and one IPv6 only.
  for (const [name, addresses] of Object.entries(records.address ?? {})) for (const address of addresses) args.push(`--host-record=${name},${address}`);
  for (const [name, target] of Object.entries(records.cname ?? {})) args.push(`--cname=${name},${target}`);
  for (const [name, list] of Object.entries(records.mx ?? {})) for (const [pref, host] of list) args.push(`--mx-host=${name},${host},${pref}`);
  for (const domain of records.local ?? []) args.push(`--local=/${domain}/`);
  for (const [name, list] of Object.entries(records.txt ?? {})) args.push(`--txt-record=${name},${list.join(',')}`); // no shell: no quotes (chunks hold no comma)
  const child: ChildProcess = spawn(DNSMASQ, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  let exited = false;
  child.on('exit', () => (exited = true));
  // Ready when it answers: a query for a name it has is the real test.
  const stop = (): Promise<void> => new Promise((resolve) => {
    if (exited) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  await waitFor(`dnsmasq on port ${port}`, async () => {
    if (exited) throw new Error(`dnsmasq exited: ${stderr.trim()}`);
    const { Resolver } = await import('node:dns/promises');
    const r = new Resolver({ timeout: 300, tries: 1 });
    r.setServers([`127.0.0.1:${port}`]);
    try {
      await r.resolve4('ready.invalid');
    } catch (error) {
      // Any DNS answer (NXDOMAIN, REFUSED…) means it is listening; a refused connection or a timeout means not yet.
      return ['ENOTFOUND', 'ENODATA', 'EREFUSED', 'ESERVFAIL'].includes((error as NodeJS.ErrnoException).code ?? '');
    }
    return true;
  }, 10_000, 100).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return {
    port,
    server: `127.0.0.1:${port}`,
    close: stop,
  };
}
