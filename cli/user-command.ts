import { openAccounts } from '../accounts/index.js';
import { isRole, ROLES, type Role } from '../accounts/rules.js';
import { generateSecret } from '../core/secrets.js';
import { EventLog } from '../events/event-log.js';
import { startAdminCommand } from './admin-command.js';

export const USER_HELP = `Usage: vigie user <add|list|passwd|unlock> [options]

Dashboard users, stored in <dataDir>/accounts.db (passwords hashed with scrypt).
Works while the server runs: changes apply at once.

  vigie user add NAME [--role admin|operator|viewer | --admin]   (default role: viewer)
  vigie user list
  vigie user passwd NAME       set a new password; signs the user out everywhere and unlocks the account
  vigie user unlock NAME       lift a lock left by repeated failed logins

The password is read from standard input with --password-stdin (one line);
otherwise a random one is generated and printed once.

  --data-dir DIR        data directory of the server (default ./data)
  -c, --config FILE     JSON config file
  -h, --help            show this help`;

/** `vigie user …`: returns the exit code. */
export async function userMain(
  argv: string[],
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream; stdin: NodeJS.ReadableStream } = { out: process.stdout, err: process.stderr, stdin: process.stdin },
): Promise<number> {
  const args = startAdminCommand('user', USER_HELP, argv, { role: { type: 'string' }, admin: { type: 'boolean' }, 'password-stdin': { type: 'boolean' } }, io);
  if (typeof args === 'number') return args;
  const { values, action, rest } = args;
  const dataDir = args.config.dataDir;
  const accounts = openAccounts(dataDir);
  const events = EventLog.open(dataDir);
  const audit = (type: string, message: string, data?: Record<string, unknown>): void =>
    events.append({ type, user: 'command line', address: null, message, ...(data ? { data } : {}) });
  try {
    if (action === 'list' && rest.length === 0) {
      for (const u of accounts.users.list()) {
        const lock = u.lockedUntil ? `  locked until ${new Date(u.lockedUntil).toISOString()}` : '';
        const last = u.lastLoginAt ? new Date(u.lastLoginAt).toISOString() : 'never';
        io.out.write(`${u.name.padEnd(24)} ${u.role.padEnd(9)} last login ${last}${lock}\n`);
      }
      return 0;
    }
    if (!['add', 'passwd', 'unlock'].includes(action)) {
      io.err.write(`vigie user: unknown action "${action}"\n\n${USER_HELP}\n`);
      return 2;
    }
    const name = rest[0];
    if (rest.length !== 1 || name === undefined) {
      io.err.write(`vigie user ${action}: expected one user NAME\n\n${USER_HELP}\n`);
      return 2;
    }
    if (action === 'add') {
      const role = values.admin ? 'admin' : ((values.role as string | undefined) ?? 'viewer');
      if (!isRole(role)) {
        io.err.write(`vigie user add: --role: "${role}" is not a role (expected ${ROLES.join(', ')})\n`);
        return 2;
      }
      const { password, generated } = await passwordFrom(values['password-stdin'] === true, io.stdin);
      const user = await accounts.users.create({ name, password, role: role as Role });
      audit('user.created', `User ${user.name} created (${user.role})`, { id: user.id, after: { name: user.name, role: user.role } });
      io.out.write(`user ${user.name} (${user.role}) created\n`);
      if (generated) io.out.write(`password: ${password}\n(shown once: only a hash is stored)\n`);
      return 0;
    }
    const user = accounts.users.findByName(name);
    if (!user) {
      io.err.write(`vigie user ${action}: no user named "${name}" (see 'vigie user list')\n`);
      return 1;
    }
    if (action === 'passwd') {
      const { password, generated } = await passwordFrom(values['password-stdin'] === true, io.stdin);
      await accounts.users.update(user.id, { password });
      accounts.users.unlock(user.id);
      accounts.sessions.endAllOf(user.id);
      audit('user.updated', `Password of ${user.name} reset from the command line`, { id: user.id, password: true });
      io.out.write(`password of ${user.name} changed; their sessions are ended\n`);
      if (generated) io.out.write(`password: ${password}\n(shown once)\n`);
      return 0;
    }
    // unlock
    accounts.users.unlock(user.id);
    audit('user.updated', `${user.name} unlocked from the command line`, { id: user.id, unlocked: true });
    io.out.write(`${user.name} unlocked\n`);
    return 0;
  } catch (error) {
    io.err.write(`vigie user ${action}: ${(error as Error).message}\n`);
    return 2;
  } finally {
    events.close();
    accounts.close();
  }
}

async function passwordFrom(fromStdin: boolean, stdin: NodeJS.ReadableStream): Promise<{ password: string; generated: boolean }> {
  if (!fromStdin) return { password: generateSecret(12), generated: true };
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.length > 4096) break;
  }
  return { password: text.replace(/\r?\n[\s\S]*$/, ''), generated: false };
}
