import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TlsMaterial } from './tls.js';
import type { AddressInfo, Socket } from 'node:net';
import type { Handle } from './lifecycle.js';
import { onceClose } from './lifecycle.js';

export interface HttpServerHandle extends Handle {
  server: Server;
  /** The port actually bound (useful with port 0). */
  port: number;
  /** A URL to reach the server from this machine. */
  url: string;
  /** Mounts the request handler (the dashboard's express app); until then requests get 503. */
  setHandler(handler: (req: IncomingMessage, res: ServerResponse) => void): void;
}

/**
 * One HTTP server shared by the dashboard (REST, Socket.IO, static files) and
 * the broker (MQTT over WebSocket), so `vigie up` needs a single port.
 */
export async function startHttpServer(opts: { host: string; port: number; closeTimeoutMs?: number; tls?: TlsMaterial }): Promise<HttpServerHandle> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (handler) return handler(req, res);
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: false, error: { code: 'VIGIE_ERR_UNAVAILABLE', message: 'Starting' } }));
  };
  // HTTPS when certificates are given: the dashboard, Socket.IO and MQTT over WebSocket (wss://) all follow.
  const server: Server = opts.tls ? createHttpsServer({ ...opts.tls, minVersion: 'TLSv1.2' }, onRequest) : createServer(onRequest);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    socket.setNoDelay(true); // Nagle adds 30–40 ms tails (DESIGN, measured facts)
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  const close = onceClose(async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Long-lived connections (WebSocket, Socket.IO) are cut after a grace period.
    const timer = setTimeout(() => { for (const s of sockets) s.destroy(); }, opts.closeTimeoutMs ?? 2000);
    await closed;
    clearTimeout(timer);
  });
  return {
    server,
    port,
    url: `${opts.tls ? 'https' : 'http'}://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`,
    setHandler: (h) => { handler = h; },
    close,
  };
}
