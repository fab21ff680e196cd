import { randomBytes } from 'node:crypto';
import { errorEnvelope, okEnvelope, type Envelope } from '../core/errors.js';
import { onceClose, type Handle } from '../core/lifecycle.js';
import { createRateLimitedLog, type Logger } from '../core/logger.js';
import type { Clock } from '../core/time.js';
import { isHostId } from '../protocol/host-id.js';
import {
  COMMAND_LIMITS, decodePayload, encodePayload, PROTOCOL_VERSION, validatePayload,
  type CommandAction, type CommandData, type CommandRequestPayload,
} from '../protocol/payloads.js';
import type { Topics } from '../protocol/topics.js';
import type { CommandFn } from './types.js';

export interface CommandRequesterOptions {
  topics: Topics;
  /** Publishes at QoS 1 (the consumer's publish); rejects when not connected. */
  publish(topic: string, payload: string, retain: boolean): Promise<void>;
  clock: Clock;
  log: Logger;
  /** Requests waiting for an answer at once; more are refused VIGIE_ERR_UNAVAILABLE (default 100). */
  maxPending?: number;
}

export interface CommandRequesterStats {
  pending: number;
  sent: number;
  answered: number;
  timedOut: number;
  /** Answers dropped: unknown or expired id, wrong host, invalid payload. */
  ignored: number;
}

export interface CommandRequester extends Handle {
  command: CommandFn;
  /** Handles one message from `<prefix>/+/cmd/res/+`; false when the topic is not a `cmd/res` one. Never throws. */
  handle(topic: string, payload: Uint8Array): boolean;
  stats(): CommandRequesterStats;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;
/** The agent is given this much less than the requester waits, so its own "timed out" answer can arrive. */
const AGENT_MARGIN_MS = 1000;

interface Pending {
  host: string;
  action: CommandAction;
  timer: NodeJS.Timeout;
  settle(result: Envelope<unknown>): void;
}

/**
 * The ingest's side of the diagnosis channel: publishes a request on
 * `cmd/req/<id>` with a fresh random id and resolves with the agent's
 * answer on `cmd/res/<id>`, matched by host AND id (an answer on another
 * host's topic is ignored even if the id matches), or with
 * VIGIE_ERR_UNAVAILABLE when none comes in time. Pending requests are
 * bounded and settled on close. It never rejects: every outcome is an
 * envelope.
 */
export function startCommandRequester(opts: CommandRequesterOptions): CommandRequester {
  const { topics, clock, log } = opts;
  const maxPending = opts.maxPending ?? 100;
  const warn = createRateLimitedLog(log, 60_000);
  const pending = new Map<string, Pending>();
  const counters = { sent: 0, answered: 0, timedOut: 0, ignored: 0 };
  let closed = false;

  const command: CommandFn = (host, action, args, options = {}) => {
    type Out = Envelope<CommandData[typeof action]>;
    if (closed) return Promise.resolve(errorEnvelope('VIGIE_ERR_UNAVAILABLE', 'the ingest is stopping'));
    if (!isHostId(host)) return Promise.resolve(errorEnvelope('VIGIE_ERR_BAD_HOST_ID', `host: "${String(host).slice(0, 80)}" is not a host id`));
    if (pending.size >= maxPending) return Promise.resolve(errorEnvelope('VIGIE_ERR_UNAVAILABLE', `too many diagnosis requests waiting (${maxPending})`));
    const timeoutMs = Math.min(COMMAND_LIMITS.timeout * 1000, Math.max(1000, options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS));
    const id = randomBytes(9).toString('base64url'); // 12 characters of [A-Za-z0-9_-]: a valid topic level
    const request = {
      v: PROTOCOL_VERSION, ts: Math.round(clock.now()), id, action, args,
      timeout: Math.max(0.5, (timeoutMs - AGENT_MARGIN_MS) / 1000),
    } as CommandRequestPayload;
    // Checked before sending: a caller's bad argument gets the field named here rather than a round trip.
    const checked = validatePayload('commandRequest', request);
    if (!checked.ok) return Promise.resolve(errorEnvelope('VIGIE_ERR_BAD_REQUEST', checked.error));

    return new Promise<Out>((resolve) => {
      const entry: Pending = {
        host, action,
        timer: setTimeout(() => {
          counters.timedOut += 1;
          entry.settle(errorEnvelope('VIGIE_ERR_UNAVAILABLE', `no answer from ${host} within ${timeoutMs / 1000} s`));
        }, timeoutMs),
        settle: (result) => {
          if (pending.get(id) !== entry) return;
          clearTimeout(entry.timer);
          pending.delete(id);
          resolve(result as Out);
        },
      };
      pending.set(id, entry);
      counters.sent += 1;
      opts.publish(topics.commandRequest(host, id), encodePayload('commandRequest', request), false).catch((error: unknown) => {
        entry.settle(errorEnvelope('VIGIE_ERR_UNAVAILABLE', `could not send the request: ${error instanceof Error ? error.message : String(error)}`));
      });
    });
  };

  function handle(topic: string, payload: Uint8Array): boolean {
    const parsed = topics.parse(topic);
    if (parsed?.kind !== 'cmd/res') return false;
    try {
      const entry = pending.get(parsed.id);
      if (!entry) {
        counters.ignored += 1; // late (timed out), another ingest worker's, or made up
        return true;
      }
      if (entry.host !== parsed.host) {
        counters.ignored += 1;
        warn(`foreign:${parsed.host}`, 'diagnosis answer from a host that was not asked ignored', { asked: entry.host, from: parsed.host });
        return true;
      }
      const decoded = decodePayload('commandResponse', payload);
      if (!decoded.ok || decoded.value.id !== parsed.id || decoded.value.action !== entry.action) {
        counters.ignored += 1;
        const why = decoded.ok ? `commandResponse: id/action "${decoded.value.id}"/"${decoded.value.action}" do not match the request` : decoded.error;
        warn(`invalid:${parsed.host}`, 'invalid diagnosis answer', { host: parsed.host, error: why });
        entry.settle(errorEnvelope('VIGIE_ERR_INTERNAL', `the agent's answer is invalid: ${why}`));
        return true;
      }
      counters.answered += 1;
      const res = decoded.value;
      entry.settle(res.ok ? okEnvelope(res.data) : errorEnvelope(res.error.code, res.error.message));
    } catch (error) {
      counters.ignored += 1;
      warn('handler-failed', 'diagnosis answer handling failed', { err: error });
    }
    return true;
  }

  return {
    command,
    handle,
    stats: () => ({ pending: pending.size, ...counters }),
    close: onceClose(async () => {
      closed = true;
      for (const entry of [...pending.values()]) entry.settle(errorEnvelope('VIGIE_ERR_UNAVAILABLE', 'the ingest is stopping'));
    }),
  };
}
