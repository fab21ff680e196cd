import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { Logger } from '../core/logger.js';

export interface TcpListener {
  /** The port actually bound (useful with port 0). */
  port: number;
  /** Stops accepting; resolves once the server and all its sockets are closed. */
  close(): Promise<void>;
}

/**
 * The plain MQTT listener. Every accepted socket gets `noDelay`: Nagle's
 * algorithm adds 30–40 ms tails to small MQTT packets (DESIGN, measured facts).
 */
export async function startTcpListener(
  opts: { host: string; port: number; log: Logger },
  onSocket: (socket: Socket) => void,
): Promise<TcpListener> {
  const server = createServer({ noDelay: true }, (socket) => {
    socket.setNoDelay(true);
    onSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After listen, an accept error (EMFILE…) must be logged, not thrown.
  server.on('error', (error) => opts.log.error({ err: error }, 'MQTT TCP listener error'));
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    port,
    close: () => (closed ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}
