import { Type, type Static } from '@sinclair/typebox';
import { EpochMs, Version } from './common.js';

/**
 * `<prefix>/<host>/stored`, retained, QoS 1, published by the ingest after a
 * store commit that held samples of this host: every metrics sample of this
 * host with a `seq` up to this one is durably stored. The agent keeps each
 * sample (on disk) until a `stored` covers it, and sends again what is not
 * covered after a reconnection, so a broker or ingest crash loses nothing
 * that the agent had.
 */
export const StoredPayload = Type.Object(
  {
    v: Version,
    ts: EpochMs,
    seq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'highest metrics seq of this host committed to the store' }),
  },
  { $id: 'stored', title: 'stored', description: 'Store acknowledgement of a host\'s samples, from the ingest' },
);
export type StoredPayload = Static<typeof StoredPayload>;
