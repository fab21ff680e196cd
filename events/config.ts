import { Type, type Static } from '@sinclair/typebox';

/** `events` block: the event log (logins, changes, alerts, hosts coming and going). */
export const EventsConfig = Type.Object(
  {
    retentionDays: Type.Number({ minimum: 1, maximum: 3650, default: 30, description: 'Events older than this many days are deleted (checked every hour); resolved alerts follow the same retention' }),
  },
  { default: {} },
);
export type EventsConfig = Static<typeof EventsConfig>;
