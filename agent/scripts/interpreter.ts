import { accessSync, constants } from 'node:fs';
import type { ScriptInterpreter } from '../../protocol/schemas/script.js';

/**
 * Where each interpreter may be (issue 14): a fixed list of absolute paths,
 * never a PATH lookup, so nothing placed earlier in a PATH can stand in for
 * `/bin/sh`. The first executable one wins.
 */
export const INTERPRETERS: Readonly<Record<ScriptInterpreter, { paths: readonly string[]; args: readonly string[]; ext: string }>> = {
  sh: { paths: ['/bin/sh', '/usr/bin/sh'], args: [], ext: 'sh' },
  bash: { paths: ['/bin/bash', '/usr/bin/bash', '/usr/local/bin/bash'], args: [], ext: 'bash' },
  python3: { paths: ['/usr/bin/python3', '/usr/local/bin/python3', '/bin/python3'], args: [], ext: 'py' },
  // -File: the next argument is the script and the rest its arguments, as for the others; no profile may run first.
  powershell: { paths: ['/usr/bin/pwsh', '/usr/local/bin/pwsh', '/opt/microsoft/powershell/7/pwsh', '/snap/bin/pwsh'], args: ['-NoProfile', '-NonInteractive', '-File'], ext: 'ps1' },
};

export interface Interpreter {
  /** Absolute path of the program. */
  path: string;
  /** Its arguments before the script file. */
  args: readonly string[];
}

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * The installed program for `name`, or null (the run is refused with `no-interpreter`).
 * Never on Windows yet: a timeout there could not kill the script's whole
 * process tree as the runner kills its process group here, and the agent
 * does not start what it could not stop (docs/scripts.md).
 */
export function findInterpreter(name: ScriptInterpreter, isExecutable: (path: string) => boolean = executable, platform: NodeJS.Platform = process.platform): Interpreter | null {
  if (platform === 'win32') return null;
  const entry = INTERPRETERS[name];
  const path = entry.paths.find(isExecutable);
  return path === undefined ? null : { path, args: entry.args };
}

/** The body's file name in its folder: `script.sh`, `script.py`… */
export const scriptFileName = (name: ScriptInterpreter): string => `script.${INTERPRETERS[name].ext}`;
