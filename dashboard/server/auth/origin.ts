/**
 * Whether a request's `Origin` is this dashboard's own (same host and port
 * as the `Host` header it was sent to). Browsers send `Origin` on every
 * cross-site write and WebSocket handshake; clients that are not browsers
 * send none, and have no victim's cookies to abuse.
 */
export function isOwnOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
