import { execFile } from 'node:child_process';
import { CHECK_LIMITS } from '../../protocol/payloads.js';
import { isHostTarget } from './target.js';

/** The tools tried in order, with fixed arguments; the address comes last. */
const TOOLS: ReadonlyArray<{ program: string; args: string[] }> = [
  { program: 'tracepath', args: ['-n', '-m', '15'] },
  { program: 'traceroute', args: ['-n', '-q', '1', '-w', '1', '-m', '15'] },
];

/** Seconds a trace may take; what it printed by then is kept. */
export const TRACE_TIMEOUT_S = 20;

export interface Tracer {
  /** The path to `address` as the tool prints it, cut to CHECK_LIMITS.traceChars; null when no tool is installed. */
  trace(address: string, signal?: AbortSignal): Promise<string | null>;
}

/**
 * tracepath (iputils, no root needed), else traceroute, else nothing. A
 * tool found missing is not tried again.
 */
export function createTracer(tools = TOOLS, timeoutS = TRACE_TIMEOUT_S): Tracer {
  const missing = new Set<string>();
  const run = (program: string, args: string[], signal?: AbortSignal): Promise<string | 'missing'> =>
    new Promise((resolve) => {
      execFile(program, args, { timeout: timeoutS * 1000, maxBuffer: 256 * 1024, env: { ...process.env, LC_ALL: 'C' }, ...(signal ? { signal } : {}) }, (error, stdout) => {
        if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') return resolve('missing');
        resolve(String(stdout));
      });
    });
  return {
    async trace(address, signal) {
      if (!isHostTarget(address)) return null;
      for (const tool of tools) {
        if (missing.has(tool.program)) continue;
        const out = await run(tool.program, [...tool.args, address], signal);
        if (out === 'missing') {
          missing.add(tool.program);
          continue;
        }
        const text = out.trim() || `${tool.program} printed nothing`;
        return text.length > CHECK_LIMITS.traceChars ? `${text.slice(0, CHECK_LIMITS.traceChars - 3)}...` : text;
      }
      return null;
    },
  };
}
