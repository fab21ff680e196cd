import { Type, type Static } from '@sinclair/typebox';

/** `notify` block: where notifications may go, and how long an undelivered one is retried. (Channels are edited in the dashboard, stored in notify.db.) */
export const NotifyConfig = Type.Object(
  {
    allowInternal: Type.Array(Type.String({ minLength: 1, maxLength: 253, pattern: '^[0-9A-Za-z._:/\\[\\]-]+$' }), {
      default: [],
      maxItems: 100,
      description:
        'Internal targets notification channels may reach: IP addresses (192.168.1.10), CIDR ranges (10.0.0.0/8) or host names (ntfy.lan). ' +
        'Every other loopback, private, link-local, CGNAT, multicast or reserved address is refused, after DNS resolution (e.g. a LAN ntfy server must be listed here). In the environment or on the command line: comma-separated',
    }),
    retryHours: Type.Number({
      minimum: 0.01, maximum: 168, default: 24,
      description: 'Hours an undelivered notification is retried (with back-off, across restarts) before it is marked failed in the dashboard and the event log',
    }),
  },
  { default: {} },
);
export type NotifyConfig = Static<typeof NotifyConfig>;
