import { Type, type Static } from '@sinclair/typebox';
import { SCRIPT_ID_PATTERN } from '../protocol/schemas/script.js';
import { STATUS_INTERVAL_MIN_S } from '../protocol/schemas/status.js';
import { AgentContainersConfig } from './containers/config.js';

/**
 * `agent.checks`: how this agent runs the network checks the server gives it
 * (docs/checks.md). The networks it may reach are set here, on the agent,
 * so the server (or whoever holds it) cannot widen them.
 */
export const AgentChecksConfig = Type.Object(
  {
    concurrency: Type.Integer({ minimum: 1, maximum: 64, default: 4, description: 'Checks run at the same time at most; the others wait their turn' }),
    allow: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      maxItems: 256, default: ['0.0.0.0/0', '::/0'],
      description: 'Networks (CIDR) checks may reach: every address of a target, a redirect or a DNS server must be inside one of them; default every address',
    }),
    deny: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      maxItems: 256, default: ['169.254.0.0/16', 'fe80::/10'],
      description: 'Networks (CIDR) checks may never reach, even inside `allow`; default link-local, where cloud metadata services live (169.254.169.254)',
    }),
    ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of extra CAs trusted by TLS and HTTPS checks (an internal CA), besides the system ones' })),
  },
  { default: {} },
);
export type AgentChecksConfig = Static<typeof AgentChecksConfig>;

/** `agent` block. Defaults live here only (STYLE §9). */
export const AgentConfig = Type.Object(
  {
    broker: Type.String({ default: 'mqtt://127.0.0.1:1883', description: 'MQTT broker URL (mqtt://, mqtts://, ws://, wss://)' }),
    host: Type.Optional(Type.String({ description: 'Host id to publish as; default: this machine\'s hostname, normalised' })),
    // 0.1 s is the status schema's own minimum; it lets tests and benchmarks run in seconds, not minutes.
    interval: Type.Number({ minimum: STATUS_INTERVAL_MIN_S, maximum: 3600, default: 5, description: 'Seconds between metrics samples' }),
    collectorTimeout: Type.Optional(
      Type.Number({
        minimum: 0.01, maximum: 3600,
        description: 'Seconds a collector may take before the sample is published without its group (the collector is reported failing and not started again until it returns); must be below interval; default 0.8 × interval, at most 10',
      }),
    ),
    servicesInterval: Type.Number({ minimum: 10, maximum: 86_400, default: 300, description: 'Seconds between full services publications (changes are published at once)' }),
    bufferSize: Type.Integer({
      minimum: 1, maximum: 1_000_000, default: 2880,
      description: 'Samples kept until the server says it stored them (on disk under `<dataDir>/agent/<host>/`); past it the oldest are dropped, counted and logged at warn (the newest is always kept); 2880 = 4 h at 5 s',
    }),
    bufferBytes: Type.Integer({
      minimum: 0, maximum: 1_073_741_824, default: 16_777_216,
      description: 'Bytes of encoded samples the buffer may hold (16 MiB); past it the oldest are dropped, counted and logged',
    }),
    resendDelay: Type.Number({
      minimum: 0.1, maximum: 86_400, default: 60,
      description: 'Seconds a sample sent while the server is online waits for its `stored` acknowledgement before it is sent again; doubles while nothing gets acknowledged, up to 16 times this',
    }),
    reconnectMin: Type.Number({ minimum: 0.1, maximum: 3600, default: 1, description: 'Base of the reconnect back-off, seconds: attempt n waits a random time in [0, min(reconnectMax, reconnectMin × 2^n)] (full jitter)' }),
    reconnectMax: Type.Number({ minimum: 0.1, maximum: 3600, default: 5, description: 'Cap of the reconnect back-off, seconds: a returned broker is noticed within this delay' }),
    serverWait: Type.Number({
      minimum: 0, maximum: 3600, default: 30,
      description: 'Seconds to hold metrics after connecting until a server summary says the ingest is online; with no summary at all by then, publish anyway (a broker with no Vigie ingest). A summary saying offline holds them until it says online (0 = do not wait)',
    }),
    ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of the CA to trust for mqtts:// and wss:// (pins a self-signed box certificate); the system CAs otherwise' })),
    checks: AgentChecksConfig,
    containers: AgentContainersConfig,
    // Scripts (issue 14, docs/scripts.md): everything is opt-in on the agent, so the box alone can never make a host run code.
    scripts: Type.Union([Type.Literal('off'), Type.Literal('checks'), Type.Literal('actions')], {
      default: 'off',
      description: 'Scripts the box may make this agent run: `off` none (default), `checks` script checks only, `actions` script checks and on-demand actions',
    }),
    scriptsAllow: Type.Optional(Type.Array(Type.String({ pattern: SCRIPT_ID_PATTERN }), {
      maxItems: 256,
      description: 'Ids of the scripts this agent may run (e.g. `["pg-replication","vigie.service-restart"]`); absent: every script the box sends',
    })),
    serverKey: Type.Optional(Type.String({
      pattern: '^[A-Za-z0-9+/]{40,400}={0,2}$',
      description: 'The box\'s public key (base64 SPKI DER, ed25519) that must sign every script and run request; written by `enroll`',
    })),
    scriptsUser: Type.Optional(Type.String({
      pattern: '^[a-z_][a-z0-9_-]{0,31}$',
      description: 'When the agent runs as root, scripts run as this user (default `nobody`)',
    })),
    scriptsAsRoot: Type.Boolean({ default: false, description: 'When the agent runs as root, run scripts as root too instead of `scriptsUser`' }),
    scriptsConcurrency: Type.Integer({ minimum: 1, maximum: 16, default: 2, description: 'Script checks run at the same time at most, and as many actions' }),
    username: Type.Optional(Type.String({ description: 'MQTT username' })),
    password: Type.Optional(Type.String({ description: 'MQTT password' })),
  },
  { default: {} },
);
export type AgentConfig = Static<typeof AgentConfig>;

/** Longest default collector deadline: a collector slower than this is stuck, not slow. */
const MAX_DEFAULT_COLLECTOR_TIMEOUT_S = 10;

/**
 * The collector deadline in seconds: `collectorTimeout`, else 0.8 × interval
 * capped at 10 s. Throws, naming the key, when it is not below the interval
 * (a sample must end before the next tick).
 */
export function collectorTimeoutS(config: Pick<AgentConfig, 'interval' | 'collectorTimeout'>): number {
  if (config.collectorTimeout === undefined) return Math.min(config.interval * 0.8, MAX_DEFAULT_COLLECTOR_TIMEOUT_S);
  if (config.collectorTimeout >= config.interval) {
    throw new Error(`agent.collectorTimeout: expected a number of seconds below agent.interval (${config.interval}), got ${config.collectorTimeout}`);
  }
  return config.collectorTimeout;
}
