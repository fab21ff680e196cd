import type { TSchema } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';
import { compileOnUse } from '../core/compile-on-use.js';
import { err, ok, type Result } from '../core/result.js';
import { describeSchemaError, describeValue } from '../core/schema-error.js';
import type { HostTopicKind } from './topics.js';
import { MAX_PAYLOAD_BYTES } from './schemas/common.js';
import { InfoPayload } from './schemas/info.js';
import { MetricsPayload } from './schemas/metrics.js';
import { ServicesPayload } from './schemas/services.js';
import { StatusPayload } from './schemas/status.js';
import { SummaryPayload } from './schemas/summary.js';
import { StoredPayload } from './schemas/stored.js';
import { AlertPayload } from './schemas/alert.js';
import { AgentConfigPayload, CheckResultPayload } from './schemas/check.js';
import { CommandRequestPayload, CommandResponsePayload, explainCommandError } from './schemas/command.js';
import { RunEventPayload, RunRequestPayload } from './schemas/script.js';

export { MAX_PAYLOAD_BYTES, PROTOCOL_VERSION } from './schemas/common.js';
export { InfoPayload } from './schemas/info.js';
export { MetricsPayload, type DiskMetrics, type NetMetrics, type CustomMetric, type ContainerMetrics } from './schemas/metrics.js';
export {
  DeviceSpec, SnmpCredentials, CustomOid, InfoSource, DEVICE_LIMITS, DEVICE_OFFLINE_REASONS, DEVICE_ONLINE_REASON, SNMP_AUTH_PROTOCOLS, SNMP_PRIV_PROTOCOLS,
  IF_OPER_STATES, IF_ADMIN_STATES, OID_PATTERN, CUSTOM_NAME_PATTERN,
  type DeviceOfflineReason, type SnmpAuthProtocol, type SnmpPrivProtocol, type IfOperState, type IfAdminState,
} from './schemas/device.js';
export { ServicesPayload, SERVICE_STATES, type ServiceState, type ServiceEntry } from './schemas/services.js';
export { StatusPayload } from './schemas/status.js';
export { SummaryPayload } from './schemas/summary.js';
export { StoredPayload } from './schemas/stored.js';
export { AlertPayload } from './schemas/alert.js';
export {
  AgentConfigPayload, CheckResultPayload, CheckSpec, CHECK_KINDS, RESULT_KINDS, type ResultKind, CHECK_LIMITS, CHECK_ID_PATTERN, isCheckId, DNS_RECORD_TYPES, HTTP_METHODS, JSON_OPS,
  type CheckKind, type DnsRecordType, type HttpOptions, type DnsOptions,
} from './schemas/check.js';
export {
  RunRequestPayload, RunEventPayload, RunGrant, ScriptBundle, ScriptDefinition, ScriptCheckSpec, ScriptParam, ScriptArgs, ScriptResult, Signed, Perfdata,
  SCRIPT_INTERPRETERS, SCRIPT_KINDS, SCRIPT_ID_PATTERN, SCRIPT_LIMITS, BUILTIN_SCRIPT_PREFIX, PARAM_NAME_PATTERN, REFUSAL_REASONS, NAGIOS_STATUSES,
  type ScriptInterpreter, type ScriptKind, type RefusalReason, type NagiosStatus,
} from './schemas/script.js';
export {
  CommandRequestPayload, CommandResponsePayload, COMMAND_ACTIONS, COMMAND_ID_PATTERN, COMMAND_LIMITS, SERVICE_NAME_PATTERN, commandFilters,
  type CommandAction, type CommandArgs, type CommandData, type Proc, type TopData, type DuData, type ServiceLogData,
} from './schemas/command.js';

/** Each topic kind has exactly one payload type (STYLE §2). */
export interface PayloadByKind {
  status: StatusPayload;
  info: InfoPayload;
  metrics: MetricsPayload;
  services: ServicesPayload;
  summary: SummaryPayload;
  stored: StoredPayload;
  alert: AlertPayload;
  commandRequest: CommandRequestPayload;
  commandResponse: CommandResponsePayload;
  agentConfig: AgentConfigPayload;
  checkResult: CheckResultPayload;
  runRequest: RunRequestPayload;
  runEvent: RunEventPayload;
}

/** The agents' per-host kinds, the server's `summary` and `stored`, and the diagnosis request/response (`cmd/req`, `cmd/res`). */
export type PayloadKind = HostTopicKind | 'summary' | 'stored' | 'alert' | 'commandRequest' | 'commandResponse' | 'agentConfig' | 'checkResult' | 'runRequest' | 'runEvent';

/** The schema of each kind: validates at runtime and generates docs/protocol.md. */
export const SCHEMAS: { [K in PayloadKind]: TSchema } = {
  status: StatusPayload,
  info: InfoPayload,
  metrics: MetricsPayload,
  services: ServicesPayload,
  summary: SummaryPayload,
  stored: StoredPayload,
  alert: AlertPayload,
  commandRequest: CommandRequestPayload,
  commandResponse: CommandResponsePayload,
  agentConfig: AgentConfigPayload,
  checkResult: CheckResultPayload,
  runRequest: RunRequestPayload,
  runEvent: RunEventPayload,
};

// Each kind compiled once, on its first use (an agent validates a few of them).
const CHECKS = Object.fromEntries(
  Object.entries(SCHEMAS).map(([kind, schema]) => [kind, compileOnUse(schema)]),
) as { [K in PayloadKind]: () => TypeCheck<TSchema> };

/** Checks an already-parsed value against the schema of `kind`; the error names the field. */
export function validatePayload<K extends PayloadKind>(kind: K, value: unknown): Result<PayloadByKind[K]> {
  const check = CHECKS[kind]();
  if (check.Check(value)) return ok(value as PayloadByKind[K]);
  if (kind === 'commandRequest' || kind === 'commandResponse') return err(explainCommandError(kind, value));
  const first = check.Errors(value).First();
  return err(first?.path ? describeSchemaError(check, value, kind) : `${kind}.(payload): ${first?.message ?? 'invalid'} (got ${describeValue(first?.value)})`);
}

/**
 * Decodes a raw MQTT payload: size limit, UTF-8 JSON, schema. Never throws —
 * the ingest path returns the error value, counts it and moves on.
 */
export function decodePayload<K extends PayloadKind>(kind: K, raw: Buffer | Uint8Array | string): Result<PayloadByKind[K]> {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength;
  if (size > MAX_PAYLOAD_BYTES) return err(`${kind}: payload of ${size} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
  let value: unknown;
  const text = typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  try {
    value = JSON.parse(text);
  } catch {
    return err(`${kind}: payload is not valid JSON`);
  }
  // Before the schema: its checks and error walk recurse, and 10,000 nested arrays overflow the stack (issue 10, item 7).
  // The text's bracket depth is the value's nesting depth: a scan without allocation clears nearly every payload (issue 16).
  const deep = jsonNestingExceeds(text, MAX_PAYLOAD_DEPTH) ? tooDeep(value, MAX_PAYLOAD_DEPTH) : null;
  if (deep !== null) return err(`${kind}.${deep}: nested deeper than ${MAX_PAYLOAD_DEPTH} levels of objects and arrays; the contract's payloads need a few`);
  return validatePayload(kind, value);
}

/** Deepest nesting of objects and arrays a payload may have; the contract's own go 4 levels deep. */
export const MAX_PAYLOAD_DEPTH = 32;

/** Whether valid JSON text nests objects and arrays deeper than `max` (brackets inside strings do not count). */
export function jsonNestingExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return false;
}

/**
 * The path of the first object or array nested deeper than `max` levels (the
 * root is level 1), shortened to its first levels; null when the value is
 * shallow enough. Iterative: it must not overflow on the input it rejects.
 */
export function tooDeep(value: unknown, max: number): string | null {
  if (typeof value !== 'object' || value === null) return null;
  // Containers only, with a parent link: the path is built only for the one that fails.
  const nodes: Array<{ value: object; depth: number; parent: number; key: string }> = [{ value, depth: 1, parent: -1, key: '' }];
  for (let i = 0; i < nodes.length; i += 1) {
    const node = nodes[i]!;
    for (const [key, child] of Object.entries(node.value)) {
      if (typeof child !== 'object' || child === null) continue;
      if (node.depth + 1 > max) {
        const path: string[] = [key];
        for (let at = i; at > 0; at = nodes[at]!.parent) path.push(nodes[at]!.key);
        path.reverse();
        return path.length > 8 ? `${path.slice(0, 8).join('.')}.…` : path.join('.');
      }
      nodes.push({ value: child as object, depth: node.depth + 1, parent: i, key });
    }
  }
  return null;
}

/** Serialises a payload for publishing, with the compile-time guarantee that it matches its kind. */
export function encodePayload<K extends PayloadKind>(_kind: K, payload: PayloadByKind[K]): string {
  return JSON.stringify(payload);
}
