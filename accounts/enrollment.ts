/** What an agent needs to join: printed by `vigie credentials add` and returned by `POST /api/hosts`. */
export interface Enrollment {
  host: string;
  username: string;
  /** Shown once: only its hash is stored. */
  password: string;
  broker: string;
  /** One line for a POSIX shell. */
  command: string;
  /** The same for PowerShell. */
  commandWindows: string;
}

/**
 * The one-line agent command for a host. Username, password (base64url),
 * host id and URL hold no shell metacharacters, and are quoted anyway.
 */
export function enrollmentFor(host: string, credentials: { username: string; password: string }, broker: string): Enrollment {
  const { username, password } = credentials;
  return {
    host,
    username,
    password,
    broker,
    command: `VIGIE_AGENT_USERNAME='${username}' VIGIE_AGENT_PASSWORD='${password}' vigie agent --broker '${broker}' --host '${host}'`,
    commandWindows: `$env:VIGIE_AGENT_USERNAME='${username}'; $env:VIGIE_AGENT_PASSWORD='${password}'; vigie agent --broker '${broker}' --host '${host}'`,
  };
}
