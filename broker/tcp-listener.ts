import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { createRateLimitedLog, type Logger } from '../core/logger.js';
import type { TlsMaterial } from '../core/tls.js';

export interface TcpListener {
  /** The port actually bound (useful with port 0). */
  port: number;
  /** Stops accepting; resolves once the server and all its sockets are closed. */
  close(): Promise<void>;
}

/**
 * An MQTT listener on TCP, or on TLS when `tls` is given (MQTT over TLS,
 * port 8883 by convention). Every accepted socket gets `noDelay`: Nagle's
 * algorithm adds 30–40 ms tails to small MQTT packets (DESIGN, measured facts).
 */
export async function startTcpListener(
  opts: { host: string; port: number; log: Logger; tls?: TlsMaterial },
  onSocket: (socket: Socket) => void,
): Promise<TcpListener> {
  const accept = (socket: Socket): void => {
    socket.setNoDelay(true);
    onSocket(socket);
  };
  let server: Server;
  if (opts.tls) {
    const tlsServer = createTlsServer({ ...opts.tls, minVersion: 'TLSv1.2' }, accept);
    // A failed handshake (wrong CA, plain MQTT on the TLS port) is the peer's problem: log it, rate limited.
    const warn = createRateLimitedLog(opts.log);
    tlsServer.on('tlsClientError', (error, socket) => warn(`tls:${error.message}`, 'TLS handshake failed', { remote: socket.remoteAddress, error: error.message }));
    server = tlsServer;
  } else {
    server = createServer({ noDelay: true }, accept);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After listen, an accept error (EMFILE…) must be logged, not thrown.
  server.on('error', (error) => opts.log.error({ err: error, tls: !!opts.tls }, 'MQTT listener error'));
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    port,
    close: () => (closed ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}
