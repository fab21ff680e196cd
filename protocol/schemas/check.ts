import { Type, type Static } from '@sinclair/typebox';
import { EpochMs, Percent, Seconds, ShortText, Version } from './common.js';
import { DEVICE_LIMITS, DeviceSpec } from './device.js';
import { ScriptResult, Signed } from './script.js';

/**
 * Network checks (issue 12): what a runner agent is told to run, and what it
 * says back. Everything that measures is an agent: the server never probes;
 * it publishes each runner's checks on `<prefix>/<runner>/config` and the
 * runner publishes one retained result per check on
 * `<prefix>/<runner>/checks/<check id>`.
 */

/** What a runner probes over the network (CheckSpec). */
export const CHECK_KINDS = ['ping', 'tcp', 'http', 'dns', 'tls'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];
/**
 * What a result may come from: a network probe, or a script check (issue 14),
 * which reaches its runner inside the signed script bundle, not in `checks`.
 */
export const RESULT_KINDS = [...CHECK_KINDS, 'script'] as const;
export type ResultKind = (typeof RESULT_KINDS)[number];

/** A check id is one topic level and reads like a host id: `web-home`, `dns.lan`. */
export const CHECK_ID_PATTERN = '^[a-z0-9][a-z0-9._-]{0,62}$';
export const CHECK_ID_RE = new RegExp(CHECK_ID_PATTERN);
export function isCheckId(id: string): boolean {
  return CHECK_ID_RE.test(id);
}

/** Bounds the runner enforces whatever the server sends (docs/checks.md). */
export const CHECK_LIMITS = {
  /** Seconds between runs: default, floor and ceiling. */
  interval: { default: 60, min: 10, max: 86_400 },
  /** Seconds one run may take, every phase included. */
  timeout: { default: 10, min: 1, max: 60 },
  /** Checks one runner may be given. */
  perRunner: 200,
  /** Bytes of an HTTP body read at most (the rest is not downloaded). */
  bodyBytes: { default: 64 * 1024, max: 1024 * 1024 },
  redirects: { default: 5, max: 10 },
  pingCount: { default: 3, max: 10 },
  /** Characters of a response excerpt or a traceroute kept in a result. */
  excerptChars: 2000,
  traceChars: 4000,
  messageChars: 500,
} as const;

export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'] as const;

/** Comparisons of a JSON-path condition; `exists` ignores `value`. */
export const JSON_OPS = ['==', '!=', '<', '<=', '>', '>=', 'contains', 'exists'] as const;

/** `200`, `200-299`, `3xx`: one entry of an HTTP check's accepted status codes. */
export const STATUS_PATTERN = '^(?:[1-5]\\d\\d(?:-[1-5]\\d\\d)?|[1-5]xx)$';

export { TARGET_HOST_PATTERN } from './common.js';

const Port = Type.Integer({ minimum: 1, maximum: 65535 });

export const HttpOptions = Type.Object(
  {
    method: Type.Optional(Type.Union(HTTP_METHODS.map((m) => Type.Literal(m)), { default: 'GET' })),
    headers: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]{1,64}$' }), ShortText(1024), { description: 'Request headers; sent only to the first host (never after a redirect to another host)' })),
    body: Type.Optional(ShortText(8192, { description: 'Request body (POST, PUT)' })),
    maxBodyBytes: Type.Optional(Type.Integer({ minimum: 0, maximum: CHECK_LIMITS.bodyBytes.max, default: CHECK_LIMITS.bodyBytes.default, description: 'Bytes of the response body read at most; conditions see only these' })),
    maxRedirects: Type.Optional(Type.Integer({ minimum: 0, maximum: CHECK_LIMITS.redirects.max, default: CHECK_LIMITS.redirects.default })),
    acceptStatus: Type.Optional(Type.Array(Type.String({ pattern: STATUS_PATTERN }), { minItems: 1, maxItems: 20, default: ['200-299'], description: 'Accepted status codes: 200, 200-299, 3xx' })),
    keyword: Type.Optional(Type.Object({
      text: ShortText(512, { minLength: 1 }),
      regex: Type.Optional(Type.Boolean({ default: false, description: '`text` is a JavaScript regular expression' })),
      present: Type.Optional(Type.Boolean({ default: true, description: 'false: the check fails when the text IS found' })),
    }, { additionalProperties: false })),
    json: Type.Optional(Type.Object({
      path: ShortText(256, { minLength: 1, description: 'JSONPath, e.g. $.status or $.checks[0].ok' }),
      op: Type.Union(JSON_OPS.map((o) => Type.Literal(o))),
      value: Type.Optional(Type.Union([Type.String({ maxLength: 512 }), Type.Number(), Type.Boolean(), Type.Null()])),
    }, { additionalProperties: false })),
    /** Check the certificate of an https:// target (default). false still reports its expiry. */
    verifyTls: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
export type HttpOptions = Static<typeof HttpOptions>;

export const DnsOptions = Type.Object(
  {
    type: Type.Union(DNS_RECORD_TYPES.map((t) => Type.Literal(t)), { default: 'A' }),
    server: Type.Optional(Type.String({ pattern: '^(?:[0-9.]{7,15}|\\[[0-9A-Fa-f:.]{2,45}\\]|[0-9A-Fa-f:]{2,45})(?::\\d{1,5})?$', description: 'Resolver to ask, an IP with an optional port (`192.168.1.1`, `127.0.0.1:5353`, `[::1]:53`); the system\'s when left out' })),
    expect: Type.Optional(Type.Array(ShortText(512, { minLength: 1 }), { maxItems: 20, description: 'Values that must all be in the answer (MX as `10 mail.example.org`); any answer passes when left out' })),
  },
  { additionalProperties: false },
);
export type DnsOptions = Static<typeof DnsOptions>;

/** One check as a runner receives it: what to probe and how often, nothing about alerting. */
export const CheckSpec = Type.Object(
  {
    id: Type.String({ pattern: CHECK_ID_PATTERN, description: 'Check id: one topic level' }),
    kind: Type.Union(CHECK_KINDS.map((k) => Type.Literal(k))),
    /** http: an http:// or https:// URL; dns: the name to resolve; others: a host name or IP. */
    target: ShortText(2048, { minLength: 1 }),
    port: Type.Optional(Port),
    interval: Type.Integer({ minimum: CHECK_LIMITS.interval.min, maximum: CHECK_LIMITS.interval.max, default: CHECK_LIMITS.interval.default, description: 'Seconds between runs (jittered)' }),
    timeout: Type.Integer({ minimum: CHECK_LIMITS.timeout.min, maximum: CHECK_LIMITS.timeout.max, default: CHECK_LIMITS.timeout.default, description: 'Seconds one run may take' }),
    http: Type.Optional(HttpOptions),
    dns: Type.Optional(DnsOptions),
    ping: Type.Optional(Type.Object({ count: Type.Integer({ minimum: 1, maximum: CHECK_LIMITS.pingCount.max, default: CHECK_LIMITS.pingCount.default }) }, { additionalProperties: false })),
    /** Whether a failed run attaches the network path (traceroute/tracepath) to its result. */
    trace: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
export type CheckSpec = Static<typeof CheckSpec>;

/**
 * `<prefix>/<host>/config`, retained, from the server to that agent only (the
 * broker forwards it to no one else): the desired configuration of the agent.
 * It carries the checks it runs (issue 12) and the SNMP devices it polls
 * (issue 13, credentials included: hence only that agent may read it).
 */
export const AgentConfigPayload = Type.Object(
  {
    v: Version,
    ts: EpochMs,
    checks: Type.Array(CheckSpec, { maxItems: CHECK_LIMITS.perRunner }),
    devices: Type.Optional(Type.Array(DeviceSpec, { maxItems: DEVICE_LIMITS.perPoller, description: 'SNMP devices this agent polls and publishes as hosts; absent means none' })),
    /** The signed ScriptBundle for this host (protocol/schemas/script.ts): scripts it may run, script checks it runs; absent means none. */
    scripts: Type.Optional(Signed),
  },
  { $id: 'agentConfig', title: 'agentConfig', description: 'What the server asks this agent to run' },
);
export type AgentConfigPayload = Static<typeof AgentConfigPayload>;

const Phase = Type.Union([Seconds, Type.Null()]);

/** `<prefix>/<runner>/checks/<check id>`, QoS 1, retained: the latest result of one check on one runner. */
export const CheckResultPayload = Type.Object(
  {
    v: Version,
    ts: EpochMs,
    kind: Type.Union(RESULT_KINDS.map((k) => Type.Literal(k))),
    /** A script check: up for Nagios ok and warning, down for critical and unknown (its `script.status` says which). */
    state: Type.Union([Type.Literal('up'), Type.Literal('down')]),
    /** Total time of the run (HTTP: until the body was read; ping: average RTT); null when it did not get that far. */
    latency: Type.Union([Seconds, Type.Null()]),
    message: ShortText(CHECK_LIMITS.messageChars, { description: 'What happened, in English: "200 OK", "connection refused", "keyword not found"' }),
    /** HTTP(S): time of each phase; null when it was skipped (an IP target has no DNS, plain HTTP no TLS). */
    phases: Type.Optional(Type.Object({ dns: Phase, connect: Phase, tls: Phase, firstByte: Phase })),
    status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599, description: 'HTTP status of the last response' })),
    ping: Type.Optional(Type.Object({
      sent: Type.Integer({ minimum: 0, maximum: 100 }),
      received: Type.Integer({ minimum: 0, maximum: 100 }),
      loss: Percent,
      min: Type.Union([Seconds, Type.Null()]),
      avg: Type.Union([Seconds, Type.Null()]),
      max: Type.Union([Seconds, Type.Null()]),
    })),
    /** TLS and HTTPS: the leaf certificate. */
    cert: Type.Optional(Type.Object({
      notAfter: EpochMs,
      subject: ShortText(512),
      issuer: ShortText(512),
      /** The chain verifies against the runner's trust store. */
      chainValid: Type.Boolean(),
      hostnameMatch: Type.Boolean(),
      error: Type.Optional(ShortText(256)),
    })),
    /** DNS: the answers, as text (MX as `10 mail.example.org`). */
    answers: Type.Optional(Type.Array(ShortText(512), { maxItems: 50 })),
    /** HTTP: the start of the body when a condition failed. */
    excerpt: Type.Optional(ShortText(CHECK_LIMITS.excerptChars)),
    /** A failed run: the path to the target (tracepath/traceroute output), when the tool exists. */
    trace: Type.Optional(ShortText(CHECK_LIMITS.traceChars)),
    /** A script check (issue 14): the Nagios status, exit code and perfdata. */
    script: Type.Optional(ScriptResult),
  },
  { $id: 'checkResult', title: 'checkResult', description: 'Latest result of one check on one runner' },
);
export type CheckResultPayload = Static<typeof CheckResultPayload>;
