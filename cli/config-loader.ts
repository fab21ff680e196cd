import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Static, TObject, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { err, ok, type Result } from '../core/result.js';

/** Where configuration comes from, lowest precedence first: file < environment < flags. */
export interface ConfigSources {
  /** Path given with --config; else $VIGIE_CONFIG; else ./vigie.json when it exists. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides from flags, as dotted paths: { 'http.port': '9090' }. */
  overrides?: Record<string, string>;
  cwd?: string;
}

export const DEFAULT_CONFIG_FILE = 'vigie.json';

/** `http.port` → `VIGIE_HTTP_PORT`; `dataDir` → `VIGIE_DATA_DIR`. */
export function envName(path: string): string {
  return `VIGIE_${path.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/\./g, '_').toUpperCase()}`;
}

interface Leaf { path: string; schema: TSchema }

/** Every leaf key of the schema with its dotted path. */
export function configLeaves(schema: TSchema, prefix = ''): Leaf[] {
  if (schema.type === 'object' && schema.properties) {
    return Object.entries(schema.properties as Record<string, TSchema>).flatMap(([key, sub]) =>
      configLeaves(sub, prefix ? `${prefix}.${key}` : key),
    );
  }
  return [{ path: prefix, schema }];
}

/** The config file `loadConfig` reads for these sources (relative to their cwd), or undefined when there is none. */
export function configFileOf(sources: ConfigSources = {}): string | undefined {
  const env = sources.env ?? process.env;
  const cwd = sources.cwd ?? process.cwd();
  return sources.file ?? env.VIGIE_CONFIG ?? (existsSync(resolve(cwd, DEFAULT_CONFIG_FILE)) ? DEFAULT_CONFIG_FILE : undefined);
}

/**
 * Loads, merges, converts and validates a configuration of `schema`; all
 * errors are collected as `path: message` lines. Top-level keys in `skip`
 * are accepted unread: neither validated nor returned.
 */
export function loadConfigOf<S extends TObject>(schema: S, sources: ConfigSources = {}, skip: readonly string[] = []): Result<Readonly<Static<S>>> {
  const env = sources.env ?? process.env;
  const cwd = sources.cwd ?? process.cwd();
  const errors: string[] = [];
  let data: Record<string, unknown> = {};

  const file = configFileOf(sources);
  if (file) {
    const path = resolve(cwd, file);
    try {
      const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
      if (!isPlainObject(parsed)) errors.push(`${file}: expected a JSON object at the top level`);
      else data = parsed;
    } catch (error) {
      errors.push(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `not valid JSON (${(error as Error).message})`}`);
    }
  }
  for (const key of skip) delete data[key];
  errors.push(...unknownKeys(data, schema, ''));

  const leaves = configLeaves(schema);
  const assign = (path: string, raw: string, origin: string): void => {
    const leaf = leaves.find((l) => l.path === path);
    if (!leaf) {
      errors.push(`${origin}: unknown key "${path}"`);
      return;
    }
    setPath(data, path, convert(leaf.schema, raw));
  };
  for (const leaf of leaves) {
    const value = env[envName(leaf.path)];
    if (value !== undefined && value !== '') assign(leaf.path, value, envName(leaf.path));
  }
  for (const [path, value] of Object.entries(sources.overrides ?? {})) assign(path, value, `--${path}`);

  const withDefaults = Value.Default(schema, data);
  // Errors only for an invalid configuration: walking them runs far more of TypeBox than the check.
  if (!Value.Check(schema, withDefaults)) for (const e of Value.Errors(schema, withDefaults)) {
    const path = e.path.slice(1).replace(/\//g, '.');
    const described = (e.schema as TSchema).description;
    errors.push(`${path || '(config)'}: ${e.message} (got ${JSON.stringify(e.value)})${described ? ` — ${described}` : ''}`);
  }
  if (errors.length) return err([...new Set(errors)].join('\n'));
  return ok(deepFreeze(withDefaults as Static<S>));
}

/** The message a command prints for `loadConfig`'s error: one indented `key: message` line each. */
export function formatConfigError(error: string): string {
  return `vigie: invalid configuration:\n${error.split('\n').map((line) => `  ${line}`).join('\n')}\n`;
}

function convert(schema: TSchema, raw: string): unknown {
  if (schema.type === 'integer' || schema.type === 'number') {
    const n = Number(raw);
    return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
  }
  if (schema.type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  // A list from the environment or the command line: comma-separated (`127.0.0.1,10.0.0.0/8`).
  if (schema.type === 'array') return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return raw;
}

function unknownKeys(value: unknown, schema: TSchema, prefix: string): string[] {
  if (!isPlainObject(value) || schema.type !== 'object' || !schema.properties) return [];
  const props = schema.properties as Record<string, TSchema>;
  return Object.entries(value).flatMap(([key, sub]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    const child = props[key];
    if (!child) return [`${path}: unknown key (expected one of ${Object.keys(props).join(', ')})`];
    return unknownKeys(sub, child, path);
  });
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
