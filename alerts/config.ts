import { Type, type Static } from '@sinclair/typebox';

/** `alerts` block: how alerts and their notifications speak. (Rules are edited in the dashboard, stored in alerts.db.) */
export const AlertsConfig = Type.Object(
  {
    lang: Type.Union([Type.Literal('en'), Type.Literal('fr')], { default: 'en', description: 'Language of alert titles, advice and notifications: en or fr' }),
    diagnosis: Type.Boolean({ default: true, description: 'Ask the agent for context when an alert fires (top processes, largest directories, service log lines)' }),
  },
  { default: {} },
);
export type AlertsConfig = Static<typeof AlertsConfig>;
