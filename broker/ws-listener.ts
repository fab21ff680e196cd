import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Logger } from '../core/logger.js';

export interface WsListener {
  /** Stops taking upgrades on the path; open connections are the broker's to close. */
  close(): Promise<void>;
}

/**
 * MQTT over WebSocket on a shared HTTP server, for `path` only. Other paths
 * are left alone: Socket.IO's engine.io listens on the same server for
 * /socket.io and destroys, after ~1 s, any upgrade to which nothing was
 * written; a matching upgrade is answered at once so it never gets there.
 */
export function attachWsListener(
  opts: { server: Server; path: string; maxFrameSize: number; log: Logger },
  onStream: (stream: Duplex, req: IncomingMessage) => void,
): WsListener {
  // maxPayload bounds what ws buffers per frame before the packet guard sees
  // it; ws refuses a larger frame from its header (close code 1009).
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxFrameSize, perMessageDeflate: false });

  const onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    if (pathOf(req.url) !== opts.path) return;
    socket.setNoDelay(true);
    wss.handleUpgrade(req, socket, head, (ws) => {
      onStream(createWebSocketStream(ws), req);
    });
  };
  opts.server.on('upgrade', onUpgrade);
  wss.on('error', (error) => opts.log.error({ err: error }, 'MQTT WebSocket listener error'));

  let closed: Promise<void> | undefined;
  return {
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        opts.server.off('upgrade', onUpgrade);
        wss.close(() => resolve());
      })),
  };
}

/** The path of a request target, without query; undefined when unparsable. */
function pathOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url, 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}
