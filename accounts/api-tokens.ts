import type { Database, Statement } from 'better-sqlite3';
import { VigieError } from '../core/errors.js';
import { generateSecret, hashSecret } from '../core/secrets.js';
import { MINUTE_MS, systemClock, type Clock } from '../core/time.js';
import { checkName } from './rules.js';
import { valid } from './users.js';

import { TOKEN_SCOPES, type TokenScope } from './rules.js';

export { TOKEN_SCOPES, type TokenScope } from './rules.js';

/** An API token as listed: never its secret. */
export interface ApiToken {
  id: number;
  name: string;
  scope: TokenScope;
  userId: number;
  userName: string;
  createdAt: number;
  lastUsedAt: number | null;
  /** The first characters of the secret, to tell tokens apart. */
  prefix: string;
}

/** Tokens are recognisable in logs and secret scanners by this prefix. */
export const TOKEN_PREFIX = 'vgt_';

const SELECT = `SELECT t.id, t.name, t.scope, t.user_id AS userId, u.name AS userName, t.created_at AS createdAt,
  t.last_used_at AS lastUsedAt, t.prefix FROM api_tokens t JOIN users u ON u.id = t.user_id`;

/**
 * API tokens for scripts and other tools: each acts as its user, limited to
 * reading when its scope is `read`. Only the SHA-256 of a token is kept.
 */
export class ApiTokenStore {
  private bySecret: Statement | undefined;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Creates a token; the secret is returned once and not kept. */
  create(userId: number, rawName: string, scope: TokenScope): { token: ApiToken; secret: string } {
    const name = valid(checkName('name', rawName));
    if (!TOKEN_SCOPES.includes(scope)) throw new VigieError('VIGIE_ERR_BAD_REQUEST', 'scope: expected read or write');
    const secret = TOKEN_PREFIX + generateSecret();
    const id = Number(
      this.db
        .prepare('INSERT INTO api_tokens (user_id, name, scope, secret_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(userId, name, scope, hashSecret(secret), secret.slice(0, TOKEN_PREFIX.length + 6), this.clock.now()).lastInsertRowid,
    );
    return { token: this.get(id)!, secret };
  }

  get(id: number): ApiToken | null {
    return (this.db.prepare(`${SELECT} WHERE t.id = ?`).get(id) as ApiToken | undefined) ?? null;
  }

  /** Every token, or one user's. */
  list(userId?: number): ApiToken[] {
    return userId === undefined
      ? (this.db.prepare(`${SELECT} ORDER BY t.created_at`).all() as ApiToken[])
      : (this.db.prepare(`${SELECT} WHERE t.user_id = ? ORDER BY t.created_at`).all(userId) as ApiToken[]);
  }

  /** The token a bearer secret stands for, or null. */
  resolve(secret: string): ApiToken | null {
    if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 128) return null;
    this.bySecret ??= this.db.prepare(`${SELECT} WHERE t.secret_hash = ?`); // every request with a token
    const token = this.bySecret.get(hashSecret(secret)) as ApiToken | undefined;
    if (!token) return null;
    const now = this.clock.now();
    // Written at most once a minute: a script polling every second must not turn reads into writes.
    if (token.lastUsedAt === null || now - token.lastUsedAt > MINUTE_MS) this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(now, token.id);
    return token;
  }

  revoke(id: number): boolean {
    return this.db.prepare('DELETE FROM api_tokens WHERE id = ?').run(id).changes > 0;
  }
}
