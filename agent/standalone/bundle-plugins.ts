/**
 * esbuild plugins of the agent bundle (./build.ts) that keep what a plain
 * agent never runs out of its memory: V8 holds the whole bundle's source
 * for as long as the process lives, and Node loads a built-in module (its
 * code and state) as soon as one `import` names it. docs/agent.md, Memory,
 * gives the figures.
 */
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants as zlib } from 'node:zlib';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';

/**
 * mqtt.js fills its table of transports on its first connection with every
 * one it knows: WebSocket (ws, with node:http, https and zlib), TLS and SOCKS
 * (node:dns, assert). An agent uses one. This plugin rewrites the table's
 * entries and the SOCKS import into functions that load their module on
 * first use. Each rewrite must apply exactly as often as expected, or the
 * build fails: a new mqtt.js that moved things gets looked at, not silently
 * bundled whole.
 */
export const LAZY_MQTT_TRANSPORTS: Plugin = {
  name: 'lazy-mqtt-transports',
  setup(b) {
    const lazySocks = { from: /const socks_1 = __importDefault\(require\("\.\/socks"\)\);/g, to: 'const socks_1 = { get default() { return __importDefault(require("./socks")).default; } };', count: 1 };
    const rewrites: Record<string, Array<{ from: RegExp; to: string; count: number }>> = {
      // protocols.ws = require('./ws').streamBuilder; … protocols.mqtts = require('./tls').default;
      'index.js': [{ from: /require\('\.\/(ws|tcp|tls)'\)\.(streamBuilder|default)(?=;)/g, to: "((client, opts) => require('./$1').$2(client, opts))", count: 6 }],
      'tcp.js': [lazySocks],
      'tls.js': [lazySocks],
    };
    b.onLoad({ filter: /[\\/]node_modules[\\/]mqtt[\\/]build[\\/]lib[\\/]connect[\\/](index|tcp|tls)\.js$/ }, (args) => {
      let contents = readFileSync(args.path, 'utf8');
      for (const { from, to, count } of rewrites[args.path.replace(/^.*[\\/]/, '')]!) {
        const found = contents.match(from)?.length ?? 0;
        if (found !== count) throw new Error(`lazy-mqtt-transports: ${args.path}: expected ${count} match(es) of ${from}, found ${found} (mqtt.js changed: look again at its transports)`);
        contents = contents.replace(from, to);
      }
      return { contents, loader: 'js' };
    });
  },
};

/**
 * mqtt.js requires worker-timers (with @babel/runtime and a worker's
 * source as a string) at load, for browsers that throttle timers; in Node it
 * takes the native timers. The bundle gets Node's timers under that name.
 */
export const NODE_TIMERS: Plugin = {
  name: 'node-timers',
  setup(b) {
    b.onResolve({ filter: /^worker-timers$/ }, () => ({ path: 'worker-timers', namespace: 'node-timers' }));
    b.onLoad({ filter: /.*/, namespace: 'node-timers' }, () => ({ contents: 'module.exports = { setInterval, clearInterval, setTimeout, clearTimeout };', loader: 'js' }));
  },
};

/**
 * Packages only some agents ever load: systeminformation (Windows and macOS
 * collectors; Linux reads /proc), net-snmp (SNMP devices), ws (MQTT over
 * WebSocket), socks (mqtt.js behind a SOCKS proxy) and pino-pretty
 * (`log.format: pretty`), jsonpath-plus (HTTP checks' JSON conditions).
 * Together they were half of the bundle's source.
 */
export const PACKED_PACKAGES = ['systeminformation', 'net-snmp', 'ws', 'socks', 'pino-pretty', 'jsonpath-plus'] as const;

/** The module that unpacks a packed package on its first `require`. */
const UNPACK = 'vigie:unpack';
const UNPACK_SOURCE = `module.exports = function unpack(name, packed) {
  const code = require("node:zlib").brotliDecompressSync(Buffer.from(packed, "base64")).toString("utf8");
  const module = { exports: {} };
  // One CommonJS file built by esbuild with its dependencies inside: its require() is for Node's built-in modules.
  new Function("module", "exports", "require", code + "\\n//# sourceURL=vigie-agent/packed/" + name + ".js")(module, module.exports, require);
  return module.exports;
};
`;

export interface PackedPackages {
  plugin: Plugin;
  /** The inputs of the packed packages' own builds, to check and count with the bundle's. */
  inputs(): Metafile['inputs'];
}

/**
 * Bundles each of `packages` on its own (CommonJS, minified, with its
 * dependencies), compresses it with Brotli and puts it in the bundle as a
 * base64 string, unpacked and run on its first `require` or `import()`. The
 * agent's source in memory shrinks by what the packed code weighs, less its
 * compressed copy; an agent that uses one of them pays its decompression once
 * (0.2-3.6 ms on the build machine, systeminformation the most) and its code,
 * as it would have. `options` are the outer build's
 * (target, alias, external), for the same resolution.
 */
export function packPackages(packages: readonly string[], options: Pick<BuildOptions, 'absWorkingDir' | 'alias' | 'external' | 'target' | 'define'>): PackedPackages {
  const inputs: Metafile['inputs'] = {};
  const skip = Symbol('packed');
  const filter = new RegExp(`^(${packages.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
  const plugin: Plugin = {
    name: 'packed-packages',
    setup(b) {
      b.onResolve({ filter: new RegExp(`^${UNPACK}$`) }, () => ({ path: UNPACK, namespace: 'packed' }));
      b.onLoad({ filter: new RegExp(`^${UNPACK}$`), namespace: 'packed' }, () => ({ contents: UNPACK_SOURCE, loader: 'js' }));
      b.onResolve({ filter }, async (args) => {
        if (args.pluginData === skip) return undefined;
        const real = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: skip });
        if (real.errors.length > 0) return { errors: real.errors };
        // A CommonJS module in the bundle, whatever the package's entry is (ws gives an import an .mjs wrapper).
        return { path: `${real.path}.packed.cjs`, namespace: 'packed', pluginData: { name: args.path, entry: real.path } };
      });
      b.onLoad({ filter: /.*/, namespace: 'packed' }, async (args) => {
        const { name, entry } = args.pluginData as { name: string; entry: string };
        const inner = await build({
          ...options,
          entryPoints: [entry],
          bundle: true,
          write: false,
          format: 'cjs',
          platform: 'node',
          minify: true,
          legalComments: 'none',
          logLevel: 'warning',
          metafile: true,
        });
        Object.assign(inputs, inner.metafile.inputs);
        const code = inner.outputFiles[0]!.contents;
        const packed = brotliCompressSync(code, { params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: code.length } }).toString('base64');
        return { contents: `module.exports = require(${JSON.stringify(UNPACK)})(${JSON.stringify(name)}, ${JSON.stringify(packed)});`, loader: 'js', resolveDir: options.absWorkingDir ?? process.cwd() };
      });
    },
  };
  return { plugin, inputs: () => inputs };
}
