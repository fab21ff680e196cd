import type { CheckKind, DnsOptions, HttpOptions } from '../../../../protocol/schemas/check.js';

/**
 * The check schema's choices and defaults the form shows, without importing
 * the schema itself: its module builds TypeBox schemas at load, which would
 * add ~100 KiB to the browser bundle. The types below fail to compile if the
 * schema gains a choice these lists lack, and test/dashboard/web/checks-limits
 * compares every number with protocol/schemas/check.ts and checks/definition.ts.
 */

export const KINDS = ['http', 'ping', 'tcp', 'dns', 'tls'] as const satisfies readonly CheckKind[];
export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'] as const satisfies readonly NonNullable<HttpOptions['method']>[];
export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS'] as const satisfies readonly DnsOptions['type'][];
export const OPS = ['==', '!=', '<', '<=', '>', '>=', 'contains', 'exists'] as const satisfies readonly NonNullable<HttpOptions['json']>['op'][];

// Fail to compile when the schema adds a choice.
type Missing<All, Listed> = Exclude<All, Listed> extends never ? true : never;
const _kinds: Missing<CheckKind, (typeof KINDS)[number]> = true;
const _methods: Missing<NonNullable<HttpOptions['method']>, (typeof METHODS)[number]> = true;
const _types: Missing<DnsOptions['type'], (typeof RECORD_TYPES)[number]> = true;
const _ops: Missing<NonNullable<HttpOptions['json']>['op'], (typeof OPS)[number]> = true;
void [_kinds, _methods, _types, _ops];

/** Defaults shown as placeholders (the server fills them in when a field is left empty). */
export const DEFAULTS = {
  interval: 60,
  intervalMin: 10,
  timeout: 10,
  redirects: 5,
  bodyBytes: 64 * 1024,
  pingCount: 3,
  downAfter: 3,
  certWarning: 14,
  certCritical: 3,
  sla: 99,
} as const;
