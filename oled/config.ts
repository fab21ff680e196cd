import { Type, type Static } from '@sinclair/typebox';

/** `oled` block: the box's SSD1306 screen (docs/oled.md). Defaults live here only (STYLE §9). */
export const OledConfig = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description: 'Drive an SSD1306 on I2C (loads the optional i2c-bus module); when false the pages are still rendered for the dashboard\'s box display',
    }),
    bus: Type.Integer({ minimum: 0, maximum: 255, default: 1, description: 'I2C bus number: /dev/i2c-<bus> (1 on a Raspberry Pi)' }),
    address: Type.Integer({ minimum: 0x03, maximum: 0x77, default: 0x3c, description: '7-bit I2C address of the display (0x3C = 60, or 0x3D = 61)' }),
    width: Type.Literal(128, { default: 128, description: 'Panel width in pixels' }),
    height: Type.Union([Type.Literal(64), Type.Literal(32)], { default: 64, description: 'Panel height in pixels: 64 or 32' }),
    contrast: Type.Integer({ minimum: 0, maximum: 255, default: 207, description: 'Contrast by day, 0–255 (207 = 0xCF, the usual setting)' }),
    flip: Type.Boolean({ default: false, description: 'Turn the picture 180° (display mounted upside down)' }),
    rotate: Type.Number({ minimum: 1, maximum: 3600, default: 5, description: 'Seconds each page stays on screen' }),
    retry: Type.Number({ minimum: 1, maximum: 3600, default: 10, description: 'Seconds between attempts to reopen a display that is missing or stopped answering' }),
    night: Type.Optional(
      Type.Object(
        {
          from: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', default: '22:00', description: 'Local time the night starts, HH:MM' }),
          to: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', default: '07:00', description: 'Local time the night ends, HH:MM' }),
          mode: Type.Union([Type.Literal('dim'), Type.Literal('off')], { default: 'dim', description: 'dim: lowest contrast; off: panel asleep' }),
        },
        { description: 'Night schedule; none when absent' },
      ),
    ),
    broker: Type.String({ default: 'mqtt://127.0.0.1:1883', description: 'MQTT broker URL the screen reads from' }),
    ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of the CA to trust for mqtts:// and wss://; the system CAs otherwise' })),
    username: Type.Optional(Type.String({ description: 'MQTT username (from `vigie credentials add --service reader --name oled`)' })),
    password: Type.Optional(Type.String({ description: 'MQTT password' })),
    host: Type.Optional(Type.String({ description: 'Host id of the box, whose metrics page (a) shows; default: this machine\'s hostname, normalised' })),
  },
  { default: {} },
);
export type OledConfig = Static<typeof OledConfig>;
