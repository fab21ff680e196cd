import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../../core/private-files.js';
import type { Clock } from '../../core/time.js';

/**
 * What the agent must remember across restarts to refuse old signed
 * statements (issue 14): the issue time of the last script bundle it
 * accepted (no rollback to an older one) and the nonces of the run grants
 * it has seen, each until its grant expires (no replay). A grant lives 60 s
 * at most, so the nonce list stays small.
 *
 * One JSON file, `<dataDir>/scripts/.state.json` (a leading dot: no script
 * id can take that name), written through a renamed temporary file so a
 * crash leaves the old state or the new, never half of one.
 */
export interface ScriptMemory {
  /** Issue time (ms) of the last accepted bundle; 0 before the first. */
  bundleIat(): number;
  setBundleIat(iat: number): void;
  /** Whether this nonce was seen and has not expired yet. */
  seen(nonce: string): boolean;
  /** Remembers a nonce until `exp` (ms). */
  remember(nonce: string, exp: number): void;
}

interface State {
  bundleIat: number;
  nonces: Record<string, number>;
}

/** More nonces than this unexpired at once means a flood: the oldest are forgotten first (each is also bounded by its 60 s). */
const MAX_NONCES = 10_000;

/**
 * The memory kept in `file` (null: in memory only, for embedding without a
 * data directory). Never throws: a file that cannot be read or written is
 * reported to `onError` and the memory is kept in the process only, since
 * monitoring must go on; what that re-allows (an older bundle, a grant seen
 * before a restart) is still signed by the box and bounded in time.
 */
export function openScriptMemory(file: string | null, clock: Clock, onError: (error: Error) => void = () => {}): ScriptMemory {
  const state: State = { bundleIat: 0, nonces: {} };
  if (file !== null) {
    try {
      const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<State>;
      if (typeof raw.bundleIat === 'number' && Number.isFinite(raw.bundleIat)) state.bundleIat = raw.bundleIat;
      if (raw.nonces && typeof raw.nonces === 'object') {
        for (const [nonce, exp] of Object.entries(raw.nonces)) if (typeof exp === 'number') state.nonces[nonce] = exp;
      }
    } catch (error) {
      // Missing at first start: nothing to say.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') onError(error as Error);
    }
  }
  const prune = (): void => {
    const now = clock.now();
    for (const [nonce, exp] of Object.entries(state.nonces)) if (exp < now) delete state.nonces[nonce];
    const left = Object.entries(state.nonces);
    if (left.length > MAX_NONCES) {
      left.sort((a, b) => a[1] - b[1]);
      for (const [nonce] of left.slice(0, left.length - MAX_NONCES)) delete state.nonces[nonce];
    }
  };
  const save = (): void => {
    if (file === null) return;
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
      writeFileSync(tmp, JSON.stringify(state), { mode: PRIVATE_FILE_MODE });
      renameSync(tmp, file);
    } catch (error) {
      rmSync(tmp, { force: true });
      onError(error as Error);
    }
  };
  return {
    bundleIat: () => state.bundleIat,
    setBundleIat(iat) {
      if (iat === state.bundleIat) return;
      state.bundleIat = iat;
      save();
    },
    seen: (nonce) => Object.hasOwn(state.nonces, nonce) && state.nonces[nonce]! >= clock.now(),
    remember(nonce, exp) {
      prune();
      state.nonces[nonce] = exp;
      save();
    },
  };
}
