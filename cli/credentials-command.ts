import { openAccountsDatabase } from '../accounts/database.js';
import { MqttCredentialStore, type CredentialSubject } from '../accounts/mqtt-credentials.js';
import { enrollmentFor } from '../accounts/enrollment.js';
import { normaliseHostId } from '../protocol/host-id.js';
import { startAdminCommand } from './admin-command.js';
import { publicBrokerUrl } from './public-broker-url.js';

export const CREDENTIALS_HELP = `Usage: vigie credentials <add|list|revoke> [options]

MQTT credentials for agents and services, stored hashed in <dataDir>/accounts.db.
The broker reads them at every connection; a revoked one is disconnected
within a second, even when the broker runs in another process.

  vigie credentials add --host NAME          an agent's credentials (prints the command to run on NAME)
  vigie credentials add --service ingest     the ingest's, for 'vigie server' against a separate broker
  vigie credentials add --service reader [--name NAME]
                                             read-only access under the prefix (Home Assistant, Telegraf…)
  vigie credentials list
  vigie credentials revoke USERNAME

Adding credentials that already exist replaces them (the old password stops working).

  --data-dir DIR        data directory of the broker (default ./data)
  -c, --config FILE     JSON config file
  -h, --help            show this help`;

/** `vigie credentials …`: returns the exit code. */
export function credentialsMain(argv: string[], out: NodeJS.WritableStream = process.stdout, errOut: NodeJS.WritableStream = process.stderr): number {
  const args = startAdminCommand('credentials', CREDENTIALS_HELP, argv, { host: { type: 'string' }, service: { type: 'string' }, name: { type: 'string' } }, { out, err: errOut });
  if (typeof args === 'number') return args;
  const { values, action, rest, config } = args;
  const positionals = [action, ...rest];
  const db = openAccountsDatabase(config.dataDir);
  try {
    const store = new MqttCredentialStore(db);
    if (action === 'list' && rest.length === 0) {
      for (const c of store.list()) {
        const who = c.principal.kind === 'agent' ? `host ${c.principal.host}` : c.principal.kind === 'service' ? `${c.principal.role} service` : 'anonymous';
        const state = c.revokedAt ? `revoked ${new Date(c.revokedAt).toISOString()}` : 'active';
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
      const { username, password } = store.add(subject);
      out.write(`${username}\npassword: ${password}\n(shown once: only a hash is stored)\n`);
      if (subject.kind === 'agent') {
        const enrollment = enrollmentFor(subject.host, { username, password }, publicBrokerUrl(config));
        out.write(`\nOn ${subject.host}, start the agent with:\n  ${enrollment.command}\n(PowerShell: ${enrollment.commandWindows})\n`);
      } else if (subject.role === 'ingest') {
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
    db.close();
  }
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
