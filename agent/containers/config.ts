import { Type, type Static } from '@sinclair/typebox';
import { MAX_CONTAINERS } from '../../protocol/schemas/metrics.js';

/** `agent.containers` (docs/containers.md): containers read from a Docker Engine API socket. Defaults live here only. */
export const AgentContainersConfig = Type.Object(
  {
    enabled: Type.Union([Type.Literal('auto'), Type.Literal('on'), Type.Literal('off')], {
      default: 'auto',
      description: '`auto`: collect when the socket exists (checked at every sample, so an engine installed later is picked up); `on`: also report the collector failing while it is missing; `off`: never',
    }),
    socket: Type.Optional(Type.String({
      minLength: 1, maxLength: 1024, pattern: '^/',
      description: 'Absolute path of the engine\'s unix socket; default the first that exists of /var/run/docker.sock, /run/podman/podman.sock, $XDG_RUNTIME_DIR/podman/podman.sock',
    })),
    max: Type.Integer({ minimum: 1, maximum: MAX_CONTAINERS, default: 100, description: 'Containers reported at most, by name order (the metrics payload stays under 64 KiB)' }),
    concurrency: Type.Integer({ minimum: 1, maximum: 32, default: 4, description: 'Engine requests in flight at once (inspect and stats of different containers)' }),
    timeout: Type.Number({ minimum: 0.1, maximum: 60, default: 2, description: 'Seconds one engine request may take before it is abandoned' }),
  },
  { default: {}, additionalProperties: false },
);
export type AgentContainersConfig = Static<typeof AgentContainersConfig>;
