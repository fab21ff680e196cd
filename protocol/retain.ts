import type { ParsedTopic, Topics } from './topics.js';

/**
 * The "retained" column of the MQTT contract (docs/protocol.md), one entry
 * per topic kind: the broker enforces it (broker/auth.ts), so a
 * sample or a command cannot be stored and replayed to every new subscriber.
 * A new topic kind does not compile until it has its entry here.
 */
export const RETAINED_BY_KIND: Readonly<Record<ParsedTopic['kind'], boolean>> = {
  status: true,
  info: true,
  metrics: false,
  services: true,
  stored: true,
  alert: true,
  'cmd/req': false,
  'cmd/res': false,
  'run/req': false,
  'run/res': false,
  summary: true,
  config: true,
  check: true,
};

/** False when the contract says messages on `topic` are not retained; true for its retained kinds and for topics it does not own. */
export function mayRetain(topics: Topics, topic: string): boolean {
  const parsed = topics.parse(topic);
  return parsed === null || RETAINED_BY_KIND[parsed.kind];
}
