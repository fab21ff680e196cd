/** Signed script bundles and run grants as the box makes them, for the agent's script tests. */
import { createPrivateKey, randomBytes } from 'node:crypto';
import { createSigner, generateSigningKey, type BoxSigner } from '../../../core/signing.js';
import type { RunGrant, RunRequestPayload, ScriptBundle, ScriptCheckSpec, ScriptDefinition } from '../../../protocol/schemas/script.js';
import { sha256 } from '../../../agent/scripts/store.js';

/** A fresh box key pair, as `openBoxSigner` makes at first start. */
export const makeSigner = (): BoxSigner => createSigner(createPrivateKey(generateSigningKey()));

/** A script definition with its sha256 computed from the body. */
export function script(def: Partial<ScriptDefinition> & Pick<ScriptDefinition, 'id' | 'body'>): ScriptDefinition {
  return { version: 1, name: def.id, kind: 'check', interpreter: 'sh', params: [], timeout: 10, ...def, sha256: sha256(def.body) };
}

export function bundle(host: string, scripts: ScriptDefinition[], checks: ScriptCheckSpec[] = [], iat = Date.now()): ScriptBundle {
  return { type: 'vigie.scripts', host, iat, scripts, checks };
}

export const runId = (): string => randomBytes(9).toString('base64url');

/** A grant for `s` on `host`, valid 30 s from now unless told otherwise. */
export function grant(host: string, s: ScriptDefinition, over: Partial<RunGrant> = {}): RunGrant {
  const iat = over.iat ?? Date.now();
  return {
    type: 'vigie.run', host, id: runId(), script: s.id, version: s.version, sha256: s.sha256, args: {},
    iat, exp: iat + 30_000, nonce: randomBytes(16).toString('base64url'), by: 'alice', ...over,
  };
}

export const request = (signer: BoxSigner, g: RunGrant): RunRequestPayload => ({ v: 1, grant: signer.sign(g) });

/** Flips one character of the signature: still well-formed base64, no longer valid. */
export function tamperSig(sig: string): string {
  const c = sig[5] === 'A' ? 'B' : 'A';
  return `${sig.slice(0, 5)}${c}${sig.slice(6)}`;
}
