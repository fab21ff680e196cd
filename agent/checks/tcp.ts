import { connect, type Socket } from 'node:net';
import type { CheckSpec } from '../../protocol/payloads.js';
import { resolveAllowed } from './network-policy.js';
import { isHostTarget } from './target.js';
import { describeNetError, down, seconds, type ProbeContext, type ProbeResult } from './types.js';

/** Opens a TCP connection to `address:port`; resolves with the socket once connected, rejects on error or abort. */
export function connectTcp(address: string, port: number, signal: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('aborted'));
    const socket = connect({ host: address, port, noDelay: true });
    const onAbort = (): void => {
      socket.destroy();
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error');
      // Whoever takes the socket adds its own handler; until then an error must not crash the agent.
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(error);
    });
  });
}

/** TCP connect: up when the port accepts a connection; latency = time to connect. */
export async function probeTcp(spec: CheckSpec, ctx: ProbeContext): Promise<ProbeResult> {
  if (!isHostTarget(spec.target)) return down(`target "${spec.target}" is not a host name or IP address`);
  if (spec.port === undefined) return down('a TCP check needs a port');
  const resolved = await resolveAllowed(spec.target, ctx.policy, ctx.signal, ctx.now);
  if (!resolved.ok) return down(resolved.message);
  const address = resolved.addresses[0]!;
  const started = ctx.now();
  try {
    const socket = await connectTcp(address, spec.port, ctx.signal);
    const latency = seconds(ctx.now() - started);
    socket.destroy();
    return { state: 'up', latency, message: `connected to port ${spec.port}`, address };
  } catch (error) {
    return down(describeNetError(error, ctx.signal, spec.timeout), { address });
  }
}
