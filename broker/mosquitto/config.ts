import { Type, type Static } from '@sinclair/typebox';

/**
 * `mosquitto` block (issue 15): Mosquitto in place of the embedded broker.
 * `vigie mosquitto` writes its files; with `dir` set, the server keeps them
 * in step with the credentials and devices and makes Mosquitto reload them.
 * Defaults live here only (STYLE §9).
 */
export const MosquittoConfig = Type.Object(
  {
    dir: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
      default: null,
      description: 'Directory of the Mosquitto files Vigie writes (mosquitto.conf, passwd, acl, persistence under data/). null: the server does not keep Mosquitto in step; \'vigie mosquitto --dir DIR\' still writes them once',
    }),
    host: Type.String({ default: '0.0.0.0', description: 'Address of the listener written in mosquitto.conf' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 1883, description: 'Port of the listener written in mosquitto.conf' }),
    maxInflightMessages: Type.Integer({ minimum: 1, maximum: 65535, default: 1000, description: 'mosquitto.conf max_inflight_messages: QoS 1 messages in flight to one client (Mosquitto\'s default, 20, throttles the ingest)' }),
    user: Type.Union([Type.String({ minLength: 1, pattern: '^[A-Za-z0-9._-]+$' }), Type.Null()], {
      default: null,
      description: 'mosquitto.conf user: the account Mosquitto switches to when started as root (null: Mosquitto\'s default, mosquitto). It must be able to read the files Vigie writes',
    }),
    group: Type.Union([Type.String({ minLength: 1, pattern: '^[A-Za-z0-9._-]+$' }), Type.Null()], {
      default: null,
      description: 'Group given to passwd and acl, then made 0640, so a Mosquitto running as another user of that group can read them (the Vigie user must be a member). null: 0600, for a Mosquitto running as the Vigie user',
    }),
    pidFile: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
      default: null,
      description: 'After rewriting the files, send SIGHUP to the pid in this file (Mosquitto re-reads passwd and acl and disconnects clients whose credentials are gone). Mosquitto writes it only when started with -d and pid_file',
    }),
    reloadCommand: Type.Union([Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 32 }), Type.Null()], {
      default: null,
      description: 'After rewriting the files, run this command (argv, no shell), e.g. ["systemctl", "reload", "mosquitto"] or ["docker", "kill", "-s", "HUP", "mosquitto"]. Used when pidFile is null',
    }),
  },
  { default: {}, description: 'Mosquitto as the broker (docs/mosquitto.md)' },
);
export type MosquittoConfig = Static<typeof MosquittoConfig>;
