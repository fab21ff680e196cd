import { BlockList, isIP } from 'node:net';
import type { Request, RequestHandler } from 'express';
import type { Accounts } from '../../../accounts/index.js';
import type { Role } from '../../../accounts/rules.js';
import { VigieError } from '../../../core/errors.js';
import { identify, type Caller } from './caller.js';

/** Who may scrape GET /metrics (issue 15, item 2; docs/prometheus.md): a token of a high enough role, or an allowed address. */

/** `prometheus` config as the dashboard uses it. */
export interface ScrapeAccess {
  /** Addresses that may scrape /metrics without a token. */
  allow: BlockList;
  /** The lowest role whose API token (or session) may scrape. */
  role: Role;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/**
 * Parses `prometheus.allow`: addresses or CIDR blocks, IPv4 or IPv6. Throws
 * naming the entry and the expected form.
 */
export function parseAllowList(entries: readonly string[], key = 'prometheus.allow'): BlockList {
  const list = new BlockList();
  entries.forEach((entry, i) => {
    const [address = '', bits, extra] = entry.trim().split('/');
    const family = isIP(address);
    const max = family === 6 ? 128 : 32;
    const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (family === 0 || extra !== undefined || !(prefix >= 0 && prefix <= max)) {
      throw new VigieError('VIGIE_ERR_BAD_REQUEST', `${key}[${i}]: expected an IP address or a CIDR block like 10.0.0.0/8 or fd00::/8 (got "${entry.slice(0, 80)}")`);
    }
    list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
  });
  return list;
}

/** Whether a peer address is in the allow-list (an IPv4 peer on a dual-stack socket arrives as ::ffff:a.b.c.d). */
export function addressAllowed(list: BlockList, address: string | undefined): boolean {
  if (!address) return false;
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (v4) return list.check(v4, 'ipv4') || list.check(address, 'ipv6');
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Who may scrape /metrics: a peer in `prometheus.allow` (no token needed),
 * else a caller (API token in `Authorization: Bearer`, or a session) whose
 * user has at least `prometheus.role`. 401 without a caller, 403 below the
 * role; JSON envelopes through the app's error handler. A scraper sees every
 * host: the role, not host access, decides.
 */
export function scrapeGuard(accounts: Accounts, access: ScrapeAccess): RequestHandler {
  return (req: Request, res, next) => {
    if (addressAllowed(access.allow, req.socket.remoteAddress)) return next();
    const caller: Caller | null = identify(accounts, req.headers);
    if (!caller) throw new VigieError('VIGIE_ERR_UNAUTHENTICATED', 'GET /metrics needs an API token (Authorization: Bearer vgt_…) or an address in prometheus.allow');
    if (RANK[caller.user.role] < RANK[access.role]) throw new VigieError('VIGIE_ERR_FORBIDDEN', `Scraping /metrics needs a token of a user with the ${access.role} role (prometheus.role); this one is ${caller.user.role}`);
    next();
  };
}
