/**
 * A bare Aedes broker on a chosen port whose door can be held shut for one
 * client id. Tests of reconnection use it so a watcher is surely subscribed
 * before the agent gets back in (test/helpers/mqtt.ts's broker has no such
 * hook); everything else uses startTestBroker.
 */
import { createServer, type Socket } from 'node:net';
import { Aedes } from 'aedes';

export interface GatedBroker {
  url: string;
  aedes: Aedes;
  /** Lets `clientId` in from now on. */
  open(): void;
  /** Cuts every connection and stops listening. */
  close(): Promise<void>;
}

export async function startGatedBroker(port: number, heldOut?: string): Promise<GatedBroker> {
  let gateOpen = heldOut === undefined;
  const aedes = await Aedes.createBroker({
    authenticate: (client, _u, _p, done) => done(null, gateOpen || client.id !== heldOut),
  });
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `mqtt://127.0.0.1:${port}`,
    aedes,
    open: () => { gateOpen = true; },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}
