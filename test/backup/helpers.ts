import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { createTopics } from '../../protocol/topics.js';
import { addCredentials } from '../helpers/stack.js';

const MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const topics = createTopics('vigie');

/** Runs `vigie ARGS…` as its own process (never blocking this one's event loop, where a stack may run). */
export function vigie(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A simulated agent: publishes numbered QoS 1 samples (ts = t0 + 100 ms × seq) one after the other, each acknowledged by the broker. */
export interface LoadPublisher {
  host: string;
  /** Highest seq the ingest said it stored (`stored` topic). */
  stored(): number;
  published(): number;
  run(stop: () => boolean): Promise<void>;
  close(): Promise<void>;
}

export async function loadPublisher(mqttUrl: string, dataDir: string, host: string, t0: number, mount = '/'): Promise<LoadPublisher> {
  const client = await mqtt.connectAsync(mqttUrl, { clientId: `vigie-agent-${host}`, ...addCredentials(dataDir, { kind: 'agent', host }) });
  let stored = 0;
  client.on('message', (_t, payload) => (stored = Math.max(stored, (JSON.parse(payload.toString()) as { seq: number }).seq)));
  await client.subscribeAsync(topics.stored(host), { qos: 1 });
  let seq = 0;
  return {
    host,
    stored: () => stored,
    published: () => seq,
    async run(stop) {
      while (!stop()) {
        seq += 1;
        const s = seq;
        const sample = {
          v: 1, ts: t0 + s * 100, seq: s,
          cpu: { usage: s % 100, load1: 1, load5: 1, load15: 1 },
          mem: { total: 1000, used: 500, available: 500, usedPercent: 50 },
          disks: [{ mount, fs: 'ext4', total: 1000, used: s % 1000, free: 1000 - (s % 1000), usedPercent: (s % 1000) / 10 }],
        };
        await client.publishAsync(topics.host(host, 'metrics'), JSON.stringify(sample), { qos: 1 });
        // A steady load (a few hundred samples a second) rather than a flood that only makes the files big.
        await new Promise((r) => setTimeout(r, 3));
      }
    },
    close: () => client.endAsync(),
  };
}
