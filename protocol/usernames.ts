/**
 * MQTT usernames of Vigie's credentials, owned here because both sides need
 * them: the server makes them (accounts/mqtt-credentials.ts), the agent
 * recognises an old one to try its new form (agent/publisher.ts).
 *
 * `agent-<host>` and `service-<name>`. No `:` (issue 15): Mosquitto's
 * password file is `username:hash` lines and `mosquitto_passwd` refuses a
 * `:`. The two forms cannot collide: each starts with its own word, host ids
 * and service names are `[a-z0-9][a-z0-9._-]{0,62}` (no space, `:`, `+`, `#`
 * or `/`, so a name is also one clean word in Mosquitto's ACL file and never
 * a wildcard), and the in-process names of `vigie up` are `local:<name>`,
 * which never reach a file.
 */

export const agentUsername = (host: string): string => `agent-${host}`;
export const serviceUsername = (name: string): string => `service-${name}`;

/**
 * The current username for a pre-issue-15 one (`agent:<host>` →
 * `agent-<host>`, `service:<name>` → `service-<name>`); null when `username`
 * is not of the old form.
 */
export function legacyAlias(username: string): string | null {
  const m = /^(agent|service):([a-z0-9][a-z0-9._-]{0,62})$/.exec(username);
  return m ? `${m[1]}-${m[2]}` : null;
}
