import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVATE_DIR_MODE } from '../../core/private-files.js';
import { SCRIPT_ID_RE, type ScriptDefinition } from '../../protocol/schemas/script.js';
import { scriptFileName } from './interpreter.js';

/** Who owns the script folders: the user scripts run as, when the agent (root) drops to another. */
export interface Owner {
  uid: number;
  gid: number;
}

/** A script on disk, ready to run from its folder. */
export interface StoredScript {
  /** `<root>/<id>`: the run's working directory and HOME. */
  dir: string;
  /** The body's file name inside `dir` (`script.sh`). */
  file: string;
}

export interface ScriptStore {
  readonly root: string;
  /** Writes the folder of each script (skipping unchanged ones) and removes those of scripts no longer listed. */
  sync(scripts: readonly ScriptDefinition[]): void;
  /** The script's folder, its body checked against `sha256` first and written again if it differs or went missing. */
  prepare(script: ScriptDefinition): StoredScript;
}

/** Script bodies are written 0700: only their owner reads or runs them. */
const BODY_MODE = 0o700;

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

interface Meta {
  version: number;
  sha256: string;
  interpreter: string;
}

/**
 * One folder per script under `root` (`<agent dataDir>/scripts/<id>/`, 0700):
 * the body as `script.<ext>` and `meta.json` (version, sha256, interpreter).
 * The folder is the run's working directory, so a script's own files stay
 * beside it and are removed with it. When scripts run as another user, the
 * folder is theirs (they need it as their HOME); that user could then change
 * the body, which is why `prepare` checks it against the signed sha256
 * before every run.
 */
export function createScriptStore(root: string, owner?: Owner): ScriptStore {
  const own = (path: string): void => {
    if (owner) chownSync(path, owner.uid, owner.gid);
  };
  const ensureRoot = (): void => {
    mkdirSync(root, { recursive: true, mode: PRIVATE_DIR_MODE });
    chmodSync(root, PRIVATE_DIR_MODE);
  };
  const write = (script: ScriptDefinition): StoredScript => {
    const dir = join(root, script.id);
    const file = scriptFileName(script.interpreter);
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    chmodSync(dir, PRIVATE_DIR_MODE);
    own(dir);
    // Through a renamed temporary file: a run starting meanwhile reads the old body or the new one, whole.
    const put = (name: string, text: string, mode: number): void => {
      const tmp = join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
      writeFileSync(tmp, text, { mode });
      chmodSync(tmp, mode);
      own(tmp);
      renameSync(tmp, join(dir, name));
    };
    put(file, script.body, BODY_MODE);
    const meta: Meta = { version: script.version, sha256: script.sha256, interpreter: script.interpreter };
    put('meta.json', `${JSON.stringify(meta)}\n`, 0o600);
    return { dir, file };
  };
  const current = (script: ScriptDefinition): boolean => {
    try {
      const meta = JSON.parse(readFileSync(join(root, script.id, 'meta.json'), 'utf8')) as Partial<Meta>;
      if (meta.version !== script.version || meta.sha256 !== script.sha256 || meta.interpreter !== script.interpreter) return false;
      return sha256(readFileSync(join(root, script.id, scriptFileName(script.interpreter)), 'utf8')) === script.sha256;
    } catch {
      return false;
    }
  };

  return {
    root,
    sync(scripts) {
      if (scripts.length === 0 && !existsSync(root)) return; // scripts were never on here: nothing to make or remove
      ensureRoot();
      const keep = new Set(scripts.map((s) => s.id));
      for (const script of scripts) if (!current(script)) write(script);
      for (const name of readdirSync(root)) {
        // Only script folders: the state file (.state.json) and anything else are not ours to remove.
        if (keep.has(name) || !SCRIPT_ID_RE.test(name)) continue;
        if (lstatSync(join(root, name)).isDirectory()) rmSync(join(root, name), { recursive: true, force: true });
      }
    },
    prepare(script) {
      ensureRoot();
      if (current(script)) return { dir: join(root, script.id), file: scriptFileName(script.interpreter) };
      return write(script);
    },
  };
}
