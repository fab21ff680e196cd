import { Type, type Static } from '@sinclair/typebox';

/** `ha` block: Home Assistant MQTT discovery (docs/home-assistant.md). Off by default. */
export const HaConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Publish Home Assistant MQTT discovery configs (one device per host) under ha.prefix, retained' }),
    prefix: Type.String({
      pattern: '^[^+#/\u0000]+(/[^+#/\u0000]+)*$',
      default: 'homeassistant',
      description: 'Home Assistant\'s discovery prefix. The broker lets the ingest write under it and readers (Home Assistant connects as one) read it and publish <prefix>/status, also when ha.enabled is false',
    }),
  },
  { default: {} },
);
export type HaConfig = Static<typeof HaConfig>;
