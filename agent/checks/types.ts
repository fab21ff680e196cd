import type { CheckResultPayload, CheckSpec } from '../../protocol/payloads.js';
import { CHECK_LIMITS } from '../../protocol/payloads.js';
import type { NetworkPolicy } from './network-policy.js';

/** What a probe is given besides its check. */
export interface ProbeContext {
  /** Aborted at the check's timeout: the probe tears everything down and returns. */
  signal: AbortSignal;
  policy: NetworkPolicy;
  /** Trusted CAs for TLS and HTTPS (system roots plus `agent.checks.ca`); undefined: Node's defaults. */
  ca?: string[];
  /** Monotonic milliseconds, for durations. */
  now(): number;
}

/** A probe's answer: the result without the envelope the runner adds (v, ts, kind, trace). */
export type ProbeResult = Omit<CheckResultPayload, 'v' | 'ts' | 'kind' | 'trace'> & {
  /** The address probed, for the trace of a failed run. */
  address?: string;
};

export type Probe = (spec: CheckSpec, ctx: ProbeContext) => Promise<ProbeResult>;

/** Cuts a message to what the result schema takes. */
export const clip = (text: string, max: number = CHECK_LIMITS.messageChars): string => (text.length > max ? `${text.slice(0, max - 3)}...` : text);

export const down = (message: string, extra: Partial<ProbeResult> = {}): ProbeResult => ({ state: 'down', latency: null, ...extra, message: clip(message) });

/** Seconds, rounded to the microsecond (JSON stays short, nothing measurable is lost). */
export const seconds = (ms: number): number => Math.round(ms * 1000) / 1e6;

/** The short English words for a socket error; the check's timeout when it was aborted. */
export function describeNetError(error: unknown, signal: AbortSignal, timeoutS: number): string {
  if (signal.aborted) return `timed out after ${timeoutS} s`;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ECONNRESET': return 'connection reset';
    case 'EHOSTUNREACH': return 'host unreachable';
    case 'ENETUNREACH': return 'network unreachable';
    case 'ETIMEDOUT': return 'connection timed out';
    case 'EPIPE': return 'connection closed';
    default: return (error as Error | undefined)?.message ?? String(error);
  }
}
