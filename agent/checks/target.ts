import { TARGET_HOST_PATTERN } from '../../protocol/schemas/check.js';

const HOST_RE = new RegExp(TARGET_HOST_PATTERN);

/**
 * A host name or an IP as ping, TCP, TLS and traceroute take it. Never
 * starts with `-`, so it cannot be read as an option by the tools it is
 * handed to (they also get it after fixed arguments only).
 */
export function isHostTarget(target: string): boolean {
  return !target.startsWith('-') && HOST_RE.test(target);
}
