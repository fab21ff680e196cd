/**
 * The install lines (issue 11), owned here: what `POST /api/hosts` answers,
 * the dashboard shows and `vigie credentials add --host` prints. A line
 * downloads the box's install script and gives it the box's URL and a
 * one-time enrollment token, never a password; the script fetches the agent
 * bundle, checks its sha256 and trades the token for the host's credentials.
 */
export interface Enrollment {
  host: string;
  /** The one-time token, shown once: only its hash is stored. */
  token: string;
  /** Id of the token in GET /api/enrollment-tokens (to cancel it). */
  tokenId: number;
  /** The token stops working then (ms since the epoch). */
  expiresAt: number;
  /** Linux/macOS, as root: a system user, /opt/vigie-agent and a systemd unit. */
  command: string;
  /** Linux/macOS without root or systemd: everything in ~/vigie-agent, run by hand. */
  commandNoService: string;
  /** Windows PowerShell, as Administrator: Program Files and a scheduled task. */
  commandWindows: string;
  /** The POSIX install script the lines download. */
  installUrl: string;
}

/** Paths the box serves its install files under (dashboard/server/install/). */
export const INSTALL_PATH = '/install';

/** A word for a POSIX shell: single quotes, with any quote inside closed, escaped and reopened. */
export function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A PowerShell single-quoted string (a quote is doubled inside). */
export function psQuote(text: string): string {
  return `'${text.replace(/['\u2018\u2019\u201a\u201b]/g, (q) => q + q)}'`;
}

/** The box URL without a trailing slash; a URL with whitespace or a non-HTTP scheme is refused. */
export function baseUrl(publicUrl: string): string {
  const url = new URL(publicUrl);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || /\s/.test(publicUrl)) throw new TypeError(`public URL: expected http(s)://host[:port][/path], got ${publicUrl}`);
  return url.href.replace(/\/+$/, '');
}

/** The three install lines for a token, against the box at `publicUrl`. */
export function installLines(publicUrl: string, token: string): Pick<Enrollment, 'command' | 'commandNoService' | 'commandWindows' | 'installUrl'> {
  const base = baseUrl(publicUrl);
  const installUrl = `${base}${INSTALL_PATH}/agent.sh`;
  const command = `curl -fsSL ${shQuote(installUrl)} | sh -s -- --url ${shQuote(base)} --token ${shQuote(token)}`;
  return {
    command,
    // $HOME is expanded by the shell the line is pasted in, hence double quotes.
    commandNoService: `${command} --dir "$HOME/vigie-agent" --no-service`,
    commandWindows: `& ([scriptblock]::Create((irm ${psQuote(`${base}${INSTALL_PATH}/agent.ps1`)}))) -Url ${psQuote(base)} -Token ${psQuote(token)}`,
    installUrl,
  };
}

/** Everything the dashboard shows for a new token. */
export function enrollmentFor(host: string, token: { id: number; expiresAt: number }, secret: string, publicUrl: string): Enrollment {
  return { host, token: secret, tokenId: token.id, expiresAt: token.expiresAt, ...installLines(publicUrl, secret) };
}
