import type { IncomingHttpHeaders } from 'node:http';
import { parse as parseCookies } from 'cookie';
import type { Accounts } from '../../../accounts/index.js';
import type { ApiToken } from '../../../accounts/api-tokens.js';
import type { Session } from '../../../accounts/sessions.js';
import type { User } from '../../../accounts/users.js';

/** The name of the session cookie. */
export const SESSION_COOKIE = 'vigie_session';

/** Who is asking: a signed-in browser, or a script with an API token. */
export type Caller =
  | { via: 'session'; user: User; session: Session }
  | { via: 'token'; user: User; token: ApiToken };

/**
 * Finds the caller of an HTTP request or a Socket.IO handshake: the session
 * cookie, or `Authorization: Bearer vgt_…` (Socket.IO clients may also pass
 * the token as `auth.token`). The user is read fresh, so a role change
 * applies to the next request.
 */
export function identify(accounts: Accounts, headers: IncomingHttpHeaders, authToken?: unknown): Caller | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1] ?? (typeof authToken === 'string' ? authToken : undefined);
  if (bearer !== undefined) {
    const token = accounts.tokens.resolve(bearer);
    const user = token ? accounts.users.get(token.userId) : null;
    return token && user ? { via: 'token', user, token } : null;
  }
  const id = headers.cookie ? parseCookies(headers.cookie)[SESSION_COOKIE] : undefined;
  if (!id) return null;
  const session = accounts.sessions.resolve(id);
  const user = session ? accounts.users.get(session.userId) : null;
  return session && user ? { via: 'session', user, session } : null;
}

/** How the caller is named in logs and the event log. */
export const callerName = (caller: Caller): string => (caller.via === 'token' ? `${caller.user.name} (token ${caller.token.name})` : caller.user.name);
