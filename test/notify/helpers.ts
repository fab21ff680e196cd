import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { tempDir } from '../helpers/env.js';
import { ChannelStore } from '../../notify/channel-store.js';
import type { AlertNotice } from '../../notify/types.js';

/** Sample messages as received, for the issue note: test-output/notifications/<channel>.txt. */
const SAMPLES = new URL('../../../test-output/notifications/', import.meta.url);

export function writeSample(channel: string, text: string): void {
  mkdirSync(SAMPLES, { recursive: true });
  writeFileSync(new URL(`${channel}.txt`, SAMPLES), text);
}

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Recorder {
  /** http://127.0.0.1:<port> */
  base: string;
  requests: Received[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on a free 127.0.0.1 port standing in for a service
 * (webhook receiver, ntfy, Telegram, Discord, Slack). It records each
 * request; `answer` decides the reply (default 200 `{"ok":true}`).
 */
export async function startRecorder(answer?: (req: Received, n: number, res: ServerResponse) => void): Promise<Recorder> {
  const requests: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(received);
      if (answer) answer(received, requests.length, res);
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * The test servers listen on 127.0.0.1, which notifications refuse by
 * default (SSRF guard): every notifier here opts in explicitly.
 */
export const LOCAL: readonly string[] = ['127.0.0.1'];

/** A channel store in a fresh temp directory, and a function that closes and removes it. */
export function tempStore(): { store: ChannelStore; remove: () => void } {
  const dir = tempDir('vigie-notify-');
  const store = ChannelStore.open(dir.path);
  return { store, remove: () => { store.close(); dir.remove(); } };
}

const T0 = Date.UTC(2025, 2, 1, 14, 5);

/** A critical CPU alert on web-1 with advice and top processes; override any field. */
export function notice(overrides: Partial<AlertNotice> = {}): AlertNotice {
  const host = overrides.host ?? 'web-1';
  const rule = overrides.rule ?? 'cpu';
  return {
    kind: 'firing',
    key: `${host}/${rule}`,
    host,
    hostLabel: 'Web server',
    rule,
    severity: 'critical',
    title: `CPU at 97 % on ${host} (critical ≥ 95 % for 2 min)`,
    detail: 'CPU usage has stayed above 95 % for 2 minutes.',
    advice: 'Look at the top processes below; restart or limit the one using the CPU.',
    context: ['  PID  %CPU  COMMAND', ' 4242  88.1  node server.js', '  811   6.0  postgres'],
    value: 97,
    threshold: 95,
    unit: 'percent',
    since: T0,
    firedAt: T0 + 120_000,
    resolvedAt: null,
    groups: ['web'],
    url: 'http://vigie.local:8080/alerts/web-1/cpu',
    ...overrides,
  };
}

export const resolvedNotice = (overrides: Partial<AlertNotice> = {}): AlertNotice =>
  notice({ kind: 'resolved', title: 'CPU back to 40 % on web-1', detail: 'CPU usage is below 90 % again.', resolvedAt: T0 + 600_000, ...overrides });

/** A memory warning on db-1 that ended: a second, unrelated notice for grouped messages. */
export const memResolved = (): AlertNotice =>
  resolvedNotice({
    host: 'db-1', hostLabel: 'Database', key: 'db-1/mem', rule: 'mem', severity: 'warning', groups: ['db'],
    title: 'Memory back to 62 % on db-1', detail: 'Memory used is below 80 % again.', advice: '', context: [],
    value: 62, threshold: 85, url: 'http://vigie.local:8080/alerts/db-1/mem',
  });
