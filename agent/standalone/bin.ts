/**
 * Entry point of the standalone agent bundle (dist/agent/vigie-agent.mjs,
 * built by ./build.ts); `node dist/agent/standalone/bin.js` runs the same
 * from a checkout.
 */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
// The agent's sockets and timers are closed by now; anything else left (a
// stuck DNS lookup) must not keep a stopped service alive.
process.exit();
