import { Type, type Static } from '@sinclair/typebox';

/** `alerts` block: how alerts and their notifications speak. (Rules are edited in the dashboard, stored in alerts.db.) */
export const AlertsConfig = Type.Object(
  {
    lang: Type.Union([Type.Literal('en'), Type.Literal('fr')], { default: 'en', description: 'Language of the alert texts in the retained MQTT alert topics and the event log\'s stored lines, and of channels saved without a language: en or fr (readers get their own: the API per request, channels their `language`)' }),
    diagnosis: Type.Boolean({ default: true, description: 'Ask the agent for context when an alert fires (top processes, largest directories, service log lines)' }),
    diagnosisTimeout: Type.Number({ minimum: 1, maximum: 60, default: 15, description: 'Seconds to wait for that context before notifying without it' }),
    groupSeconds: Type.Number({ minimum: 0, maximum: 3600, default: 30, description: 'Alerts within this many seconds go to a channel in one message' }),
    transitionsPerHostPerMinute: Type.Integer({
      minimum: 1, maximum: 10_000, default: 30,
      description: 'Alert transitions (fired, escalated, de-escalated, resolved) one host may cause per minute with a diagnosis, an event line and a notification; past it they are stored and shown only, and the event log says which host (host.alert_flood)',
    }),
    autoActionCooldown: Type.Integer({
      minimum: 60, maximum: 7 * 86_400, default: 3600,
      description: 'Seconds after an automatic action of a rule on a host before that rule may run one there again (issue 14: at most once an hour by default)',
    }),
  },
  { default: {} },
);
export type AlertsConfig = Static<typeof AlertsConfig>;
