/**
 * The bare relay the ingest is compared with: Aedes as its package ships it
 * (`new Aedes()`, default options, in-memory persistence, no auth, no hooks)
 * on 127.0.0.1, in its own process like the Vigie server, so both are
 * measured the same way. Forked by bench/pipeline/saturation.ts.
 */
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';

if (!process.send) throw new Error('forked by bench/pipeline/saturation.js');
const aedes = new Aedes();
await aedes.listen();
const server = createServer((socket) => aedes.handle(socket));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
process.send({ type: 'ready', mqttPort: (server.address() as AddressInfo).port });
process.on('disconnect', () => process.exit(1)); // never left behind by a parent that died
process.on('message', (msg: { type: string }) => {
  if (msg.type === 'stop') {
    server.close();
    aedes.close(() => process.exit(0));
  }
});
