import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';

/**
 * A schema's compiled check, compiled on its first use and kept: compiling
 * each of the contract's schemas at import cost the agent ~0.3 MiB of heap
 * for payload kinds it never validates (docs/agent.md, Memory). A compiled
 * check costs ~1 µs over JSON.parse (DESIGN, measured facts); compiling one
 * takes about a millisecond, once.
 */
export function compileOnUse<S extends TSchema>(schema: S): () => TypeCheck<S> {
  let compiled: TypeCheck<S> | undefined;
  return () => (compiled ??= TypeCompiler.Compile(schema));
}
