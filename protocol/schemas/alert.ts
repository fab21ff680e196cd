import { Type, type Static } from '@sinclair/typebox';
import { EpochMs, ShortText, Version } from './common.js';

/**
 * `<prefix>/<host>/alerts/<rule>`, retained, published by the server while an
 * alert fires (and again when it escalates, is acknowledged or silenced);
 * an empty retained message clears it when it resolves. The rule level is
 * %-encoded (`disk:%2Fvar`).
 */
export const AlertPayload = Type.Object(
  {
    v: Version,
    ts: EpochMs,
    host: ShortText(63),
    rule: ShortText(200, { description: 'cpu, mem, swap, load, temperature, offline, disk:<mount>, disk_forecast:<mount>, service:<name>; for network checks (host = the runner) check:<id> (down), check_latency:<id>, check_cert:<id>' }),
    severity: Type.Union([Type.Literal('warning'), Type.Literal('critical')]),
    state: Type.Literal('firing'),
    value: Type.Union([Type.Number(), Type.Null()], { description: 'the latest value, in unit' }),
    threshold: Type.Union([Type.Number(), Type.Null()]),
    unit: Type.Union(['percent', 'perCore', 'celsius', 'seconds', 'hours', 'state'].map((u) => Type.Literal(u))),
    since: EpochMs,
    firedAt: EpochMs,
    title: ShortText(300, { description: 'plain words, in the server language' }),
    advice: ShortText(1000, { description: 'a suggested action, in the server language' }),
    acknowledged: Type.Boolean(),
    silencedUntil: Type.Union([EpochMs, Type.Null()]),
    maintenance: Type.Boolean({ description: 'fired during a maintenance window: shown, not notified' }),
  },
  { $id: 'alert', title: 'alert', description: 'A firing alert of one host and rule' },
);
export type AlertPayload = Static<typeof AlertPayload>;
