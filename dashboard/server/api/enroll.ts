import { Type } from '@sinclair/typebox';
import { Router, type Response } from 'express';
import { VigieError } from '../../../core/errors.js';
import { RetryLaterError } from '../auth/login.js';
import { readBody } from '../body.js';
import { sendOk } from '../respond.js';
import { addressOf, type ApiContext } from './context.js';

/** What an agent sends to enroll (the bundle's `enroll` command). */
const EnrollRequest = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 200 }),
  agentVersion: Type.Optional(Type.String({ maxLength: 64 })),
  hostname: Type.Optional(Type.String({ maxLength: 255 })),
});

/** What it gets back: everything its config file needs. */
export interface EnrollAnswer {
  host: string;
  username: string;
  password: string;
  broker: string;
  /** PEM to trust for the broker (mqtts:// with a self-signed certificate), else null. */
  ca: string | null;
  /** The box's public key (base64 SPKI DER) the agent pins: it runs only scripts signed with it (issue 14). Absent on a server without one. */
  serverKey?: string;
  /** Its fingerprint (`SHA256:…`), for people to compare with the dashboard's. */
  serverKeyFingerprint?: string;
}

/** Untrusted text from the agent, kept short and printable for the event log. */
const shown = (text: string | undefined): string | null => (text ? text.replace(/[^\x20-\x7e]/g, '?').slice(0, 64) : null);

/**
 * `POST /api/enroll`: an agent trades a one-time enrollment token for its
 * host's MQTT credentials (issue 11). No session and no CSRF token: the
 * enrollment token is the credential, and curl or node send no Origin.
 * Failures are throttled per address with the login's rules.
 */
export function createEnrollRouter(ctx: ApiContext): Router {
  const router = Router();
  router.post('/enroll', (req, res) => {
    const address = addressOf(req);
    const key = `\u0000enroll ${address}`; // cannot collide with a user name: those are printable
    refuseIfThrottled(ctx, res, key, address);
    const body = readBody(EnrollRequest, req.body);
    const result = ctx.accounts.enrollmentTokens.redeem(body.token, address);
    if (!result.ok) {
      const { failures } = ctx.enrollThrottle.failure(key, address);
      ctx.events.append({
        type: 'host.enroll_refused',
        ...(result.token ? { host: result.token.host } : {}),
        address,
        message: `Enrollment refused (${result.reason} token)${result.token ? ` for ${result.token.host}` : ''}`,
        data: { reason: result.reason, failures, hostname: shown(body.hostname) },
      });
      ctx.log.warn({ address, reason: result.reason, failures }, 'enrollment refused');
      throw new VigieError('VIGIE_ERR_ENROLL_TOKEN', result.message);
    }
    ctx.enrollThrottle.success(key);
    ctx.ingest.restoreHost(result.host); // a host removed earlier may come back now
    // New credentials: the previous agent's connection (if any) is cut, and an external Mosquitto's files gain them.
    ctx.credentialsChanged();
    ctx.accountsChanged();
    const broker = ctx.publicBroker();
    ctx.events.append({
      type: result.replaced ? 'host.credentials_rotated' : 'host.enrolled',
      host: result.host,
      user: result.token.createdBy,
      address,
      message: `${result.host} enrolled with a token made by ${result.token.createdBy}${result.replaced ? ': its previous credentials were replaced' : ''}`,
      data: { username: result.username, tokenId: result.token.id, agentVersion: shown(body.agentVersion), hostname: shown(body.hostname), replaced: result.replaced },
    });
    const answer: EnrollAnswer = {
      host: result.host,
      username: result.username,
      password: result.password,
      broker,
      ca: /^(mqtts|wss):/.test(broker) ? (ctx.brokerCa?.() ?? null) : null,
      ...(ctx.serverKey ? { serverKey: ctx.serverKey.publicKey, serverKeyFingerprint: ctx.serverKey.fingerprint } : {}),
    };
    sendOk(res, answer);
  });
  return router;
}

function refuseIfThrottled(ctx: ApiContext, res: Response, key: string, address: string): void {
  const verdict = ctx.enrollThrottle.check(key, address);
  if (verdict.allowed) return;
  const wait = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
  res.setHeader('Retry-After', String(wait));
  throw new RetryLaterError('VIGIE_ERR_RATE_LIMITED', `Too many refused enrollment tokens from your address: wait ${wait} s and retry`, verdict.retryAfterMs);
}
