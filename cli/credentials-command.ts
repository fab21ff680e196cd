import { openAccounts } from '../accounts/index.js';
import { enrollmentFor } from '../accounts/enrollment.js';
import { usernameFor, type CredentialSubject } from '../accounts/mqtt-credentials.js';
import { unreachableKind } from '../core/public-address.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../core/time.js';
import { EventLog } from '../events/event-log.js';
import { normaliseHostId } from '../protocol/host-id.js';
import { startAdminCommand } from './admin-command.js';
import type { VigieConfig } from './config.js';
import { publicDashboardUrl } from './public-url.js';

export const CREDENTIALS_HELP = `Usage: vigie credentials <add|list|revoke> [options]

MQTT credentials for agents and services, stored hashed in <dataDir>/accounts.db.
The broker reads them at every connection; a revoked one is disconnected
within a second, even when the broker runs in another process. With
Mosquitto as the broker (mosquitto.dir), the server rewrites its password and
ACL files and reloads it (docs/mosquitto.md).

  vigie credentials add --host NAME [--ttl 1h]
                                             a one-time enrollment token for NAME's agent, in
                                             install lines to run on NAME (Linux, no root, Windows);
                                             the agent trades it for its own credentials
  vigie credentials add --service ingest     the ingest's, for 'vigie server' against a separate broker
  vigie credentials add --service reader [--name NAME]
                                             read-only access under the prefix (Home Assistant, Telegraf…)
  vigie credentials list
  vigie credentials revoke USERNAME

Adding service credentials that already exist replaces them (the old password
stops working). A host's token replaces its credentials when it is used.

  --ttl DURATION        lifetime of the token: minutes, or 30m, 2h, 1d (default auth.enrollTokenMinutes)

  --data-dir DIR        data directory of the broker (default ./data)
  -c, --config FILE     JSON config file
  -h, --help            show this help`;

/** `vigie credentials …`: returns the exit code. */
export function credentialsMain(argv: string[], out: NodeJS.WritableStream = process.stdout, errOut: NodeJS.WritableStream = process.stderr): number {
  const args = startAdminCommand('credentials', CREDENTIALS_HELP, argv, { host: { type: 'string' }, service: { type: 'string' }, name: { type: 'string' }, ttl: { type: 'string' } }, { out, err: errOut });
  if (typeof args === 'number') return args;
  const { values, action, rest, config } = args;
  const positionals = [action, ...rest];
  const accounts = openAccounts(config.dataDir);
  try {
    const store = accounts.credentials;
    if (action === 'list' && rest.length === 0) {
      for (const c of store.list()) {
        const who = c.principal.kind === 'agent' ? `host ${c.principal.host}` : c.principal.kind === 'service' ? `${c.principal.role} service` : 'anonymous';
        // Made before issue 15: no Mosquitto hash, so not in `vigie mosquitto`'s password file until rotated.
        const state = c.revokedAt ? `revoked ${new Date(c.revokedAt).toISOString()}` : c.mosquittoHash === null ? 'active (not on Mosquitto: rotate, see docs/mosquitto.md)' : 'active';
        out.write(`${c.username.padEnd(32)} ${who.padEnd(24)} created ${new Date(c.createdAt).toISOString()}  ${state}\n`);
      }
      return 0;
    }
    if (action === 'revoke' && rest.length === 1) {
      if (!store.revoke(rest[0]!)) {
        errOut.write(`vigie credentials: no active credentials named "${rest[0]}" (see 'vigie credentials list')\n`);
        return 1;
      }
      out.write(`revoked ${rest[0]}: its clients are disconnected within a second\n`);
      return 0;
    }
    if (action === 'add' && rest.length === 0) {
      const subject = subjectFrom(values.host as string | undefined, values.service as string | undefined, values.name as string | undefined);
      if (typeof subject === 'string') {
        errOut.write(`vigie credentials add: ${subject}\n`);
        return 2;
      }
      if (subject.kind === 'agent') {
        const ttlMs = values.ttl === undefined ? config.auth.enrollTokenMinutes * MINUTE_MS : parseTtl(values.ttl as string);
        if (typeof ttlMs === 'string') {
          errOut.write(`vigie credentials add: ${ttlMs}\n`);
          return 2;
        }
        printToken(out, config, accounts, subject.host, ttlMs);
        return 0;
      }
      const { username, password } = store.add(subject);
      out.write(`${username}\npassword: ${password}\n(shown once: only a hash is stored)\n`);
      if (subject.role === 'ingest') {
        out.write(`\nFor 'vigie server': VIGIE_INGEST_USERNAME='${username}' VIGIE_INGEST_PASSWORD='${password}'\n`);
      }
      return 0;
    }
    errOut.write(`vigie credentials: unknown action "${positionals.join(' ')}"\n\n${CREDENTIALS_HELP}\n`);
    return 2;
  } catch (error) {
    errOut.write(`vigie credentials: ${(error as Error).message}\n`);
    return 2;
  } finally {
    accounts.close();
  }
}

/** Makes a host's enrollment token (logged in the event log) and prints its install lines. */
function printToken(out: NodeJS.WritableStream, config: VigieConfig, accounts: ReturnType<typeof openAccounts>, host: string, ttlMs: number): void {
  const { token, secret } = accounts.enrollmentTokens.create({ host, ttlMs, createdBy: 'command line' });
  const replaces = accounts.credentials.stamp(usernameFor({ kind: 'agent', host })) !== null;
  const events = EventLog.open(config.dataDir);
  try {
    events.append({ type: 'host.enroll_token', host, user: 'command line', address: null, message: `Enrollment token made for ${host}`, data: { tokenId: token.id, expiresAt: token.expiresAt, rotate: replaces } });
  } finally {
    events.close();
  }
  const url = publicDashboardUrl(config);
  const e = enrollmentFor(host, token, secret, url);
  const problem = unreachableKind(url);
  out.write(
    (problem ? `WARNING: ${url} is a ${problem} address: other machines cannot use it. Set http.publicUrl (the dashboard's address as others reach it) and http.publicBroker in the config.\n\n` : '') +
    `Enrollment token for ${host}: single use, valid until ${new Date(token.expiresAt).toISOString()}.\n` +
      (replaces ? `${host} has agent credentials: using this token replaces them (the running agent is cut off).\n` : '') +
      `\nOn ${host}, as root (Linux/macOS: a system user, /opt/vigie-agent and a systemd unit):\n  ${e.command}\n` +
      `\nWithout root or systemd (everything in ~/vigie-agent, run by hand):\n  ${e.commandNoService}\n` +
      `\nWindows, in PowerShell as Administrator:\n  ${e.commandWindows}\n` +
      `\nThe machine needs Node.js 20 or newer. Running the line again later upgrades the agent in place.\n`,
  );
}

/** `90` (minutes), `30m`, `2h` or `1d` in ms; a message when malformed. */
export function parseTtl(text: string): number | string {
  const m = /^(\d+(?:\.\d+)?)([mhd]?)$/.exec(text.trim());
  if (!m) return `--ttl: "${text}" is not a duration (expected minutes, or 30m, 2h, 1d)`;
  const ms = Number(m[1]) * (m[2] === 'h' ? HOUR_MS : m[2] === 'd' ? DAY_MS : MINUTE_MS);
  if (ms < MINUTE_MS || ms > 7 * DAY_MS) return `--ttl: "${text}" is out of range (expected 1 minute to 7 days)`;
  return ms;
}

function subjectFrom(host: string | undefined, service: string | undefined, name: string | undefined): CredentialSubject | string {
  if (host !== undefined && service !== undefined) return 'give --host or --service, not both';
  if (host !== undefined) {
    const id = normaliseHostId(host);
    return id.ok ? { kind: 'agent', host: id.value } : id.error;
  }
  if (service === 'ingest' || service === 'reader') return { kind: 'service', role: service, ...(name !== undefined ? { name } : {}) };
  return service === undefined ? 'give --host NAME or --service ingest|reader' : `--service: "${service}" is not a service (expected ingest or reader)`;
}
