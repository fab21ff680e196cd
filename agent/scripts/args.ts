import { realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { checkScriptArgs, isUnder, type ArgsCheck } from '../../protocol/script-args.js';
import type { ScriptArgs, ScriptParam } from '../../protocol/schemas/script.js';

/**
 * The real path of `path`: symlinks resolved. A path that does not exist
 * (yet) is resolved through its nearest existing ancestor, so a link higher
 * up still counts.
 */
export function resolveReal(path: string): string {
  const rest: string[] = [];
  let at = path;
  for (;;) {
    try {
      return join(realpathSync(at), ...rest.reverse());
    } catch {
      const parent = dirname(at);
      if (parent === at) return path;
      rest.push(basename(at));
      at = parent;
    }
  }
}

/**
 * Script arguments as the agent checks them before a run: the shared check
 * (protocol/script-args.ts, the same the server applied before signing),
 * then each path parameter resolved on this machine, symlinks included, and
 * checked again under its root (itself resolved): `/var/log/app/../../etc`
 * is caught lexically, `/var/log/app/link -> /etc` only here.
 */
export function checkArgsOnAgent(params: readonly ScriptParam[], args: ScriptArgs | undefined): ArgsCheck {
  const checked = checkScriptArgs(params, args);
  if (!checked.ok) return checked;
  for (const p of params) {
    const value = checked.values[p.name];
    if (p.type !== 'path' || value === undefined || value === '') continue;
    const real = resolveReal(value);
    if (!isUnder(real, resolveReal(p.root))) {
      const field = `args.${p.name}`;
      return { ok: false, field, message: `${field}: "${value.slice(0, 128)}" resolves to "${real.slice(0, 128)}" on this host, which is not under ${p.root} (a symbolic link points outside it)` };
    }
  }
  return checked;
}
