import { Type, type Static } from '@sinclair/typebox';
import { INGEST_CLIENT_ID } from '../protocol/client-ids.js';
import { SQLITE_CACHE_BYTES } from '../core/sqlite-settings.js';

/** `ingest.influx` block: used when `ingest.store` is `influx` (docs/influxdb.md). */
export const InfluxConfig = Type.Object(
  {
    api: Type.Union([Type.Literal('v1'), Type.Literal('v2')], {
      default: 'v1',
      description: 'v2: InfluxDB 2.x, 3.x and 1.8+ (url, token, org, bucket); v1: InfluxDB 1.x such as Debian\'s 1.6 (url, database, retentionPolicy, username, password)',
    }),
    url: Type.String({ minLength: 1, pattern: '^https?://', default: 'http://127.0.0.1:8086', description: 'Base URL of the InfluxDB HTTP API' }),
    token: Type.Optional(Type.String({ minLength: 1, description: 'v2: API token with write (and read, for history) access to the bucket' })),
    org: Type.Optional(Type.String({ minLength: 1, description: 'v2: organisation name' })),
    bucket: Type.Optional(Type.String({ minLength: 1, description: 'v2: bucket; history reads use it as the InfluxQL database (DBRP mapping)' })),
    database: Type.String({ minLength: 1, default: 'vigie', description: 'v1: database (create it first: CREATE DATABASE vigie)' }),
    retentionPolicy: Type.Optional(Type.String({ minLength: 1, description: 'v1: retention policy; the database default otherwise' })),
    username: Type.Optional(Type.String({ minLength: 1, description: 'v1: user (basic auth), when [http] auth-enabled is on' })),
    password: Type.Optional(Type.String({ description: 'v1: password' })),
    batchSize: Type.Integer({ minimum: 1, maximum: 100_000, default: 5000, description: 'Points per write request; a full batch is sent at once' }),
    flushInterval: Type.Number({ minimum: 0.05, maximum: 60, default: 1, description: 'Seconds between write requests when fewer than batchSize points are queued' }),
    bufferPoints: Type.Integer({
      minimum: 1, maximum: 10_000_000, default: 100_000,
      description: 'Points kept while InfluxDB is unreachable; past it new samples are refused and left unacknowledged, so agents and the broker keep them (nothing queued is dropped)',
    }),
    timeout: Type.Number({ minimum: 0.1, maximum: 300, default: 10, description: 'Seconds one write or query request may take' }),
    retryDelay: Type.Number({ minimum: 0.01, maximum: 60, default: 1, description: 'Seconds before the first retry of a failed write; doubles each time (with jitter)' }),
    maxRetryDelay: Type.Number({ minimum: 0.01, maximum: 3600, default: 30, description: 'Longest wait between retries, seconds; a Retry-After from the server (429, 503) is honoured instead, up to 10 minutes' }),
    closeTimeout: Type.Number({ minimum: 0, maximum: 600, default: 10, description: 'Seconds flush() and close() wait for the buffer to drain before giving up' }),
  },
  { default: {} },
);
export type InfluxConfig = Static<typeof InfluxConfig>;

/** `ingest` block. Defaults live here only (STYLE §9). */
export const IngestConfig = Type.Object(
  {
    broker: Type.String({ default: 'mqtt://127.0.0.1:1883', description: 'MQTT broker URL the ingest subscribes to' }),
    inProcess: Type.Boolean({
      default: true,
      description: 'In `vigie up`, the ingest takes messages straight from the embedded broker in its process: no MQTT connection between them, less CPU. false: it connects over MQTT as a separate `vigie server` does. Unused by `vigie server`',
    }),
    clientId: Type.String({ minLength: 1, maxLength: 64, default: INGEST_CLIENT_ID, description: 'Fixed MQTT client id (persistent session); the embedded broker lets ingest credentials alone use vigie-ingest or vigie-ingest-<worker>' }),
    ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of the CA to trust for mqtts:// and wss://; the system CAs otherwise' })),
    username: Type.Optional(Type.String({ description: 'MQTT username (from `vigie credentials add --service ingest`)' })),
    password: Type.Optional(Type.String({ description: 'MQTT password' })),
    staleAfterIntervals: Type.Number({ minimum: 1, maximum: 100, default: 3, description: 'A host whose metrics stop for this many intervals is offline' }),
    presenceGrace: Type.Number({
      minimum: 0, maximum: 3600, default: 30,
      description: 'Seconds after the ingest (re)connects to the broker — at start, after a broker restart — during which hosts going offline (Last Will, missed intervals) are neither alerted nor logged: agents get this long to reconnect. While disconnected the box sees nobody, so it judges nobody either',
    }),
    tombstoneDays: Type.Number({
      minimum: 0.001, maximum: 3650, default: 7,
      description: 'Days the messages of a removed host are ignored (a late Last Will, a retained status, samples in flight), unless it is enrolled again before',
    }),
    flushInterval: Type.Number({ minimum: 0.05, maximum: 60, default: 1, description: 'Seconds between store write batches' }),
    storedInterval: Type.Number({
      minimum: 0, maximum: 30, default: 2,
      description: 'Least seconds between two `stored` acknowledgements to one agent: commits within it are acknowledged once at its end, with the highest seq (0 = after every commit). Keep it well under the agents\' agent.resendDelay (60 s by default)',
    }),
    flushSize: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 5000, description: 'Points that trigger an early write batch' }),
    sqliteCache: Type.Integer({
      minimum: 65_536, maximum: 1_073_741_824, default: SQLITE_CACHE_BYTES,
      description: 'SQLite store: bytes of page cache each connection to vigie.db keeps in memory (the server\'s and the write worker\'s). The OS caches the file as well; more helps history reads of a large store, at this many bytes of RSS per connection',
    }),
    writeWorker: Type.Boolean({ default: true, description: 'SQLite store: write batches, rollups and retention run in a worker thread with its own connection, so commits use another core and never pause MQTT, alerts or the live dashboard. false: in the server thread' }),
    store: Type.Union([Type.Literal('sqlite'), Type.Literal('influx')], {
      default: 'sqlite',
      description: 'Where metric history goes: sqlite (vigie.db in dataDir) or influx (ingest.influx, see docs/influxdb.md); the host registry, users and the event log always stay in SQLite',
    }),
    influx: InfluxConfig,
    limits: Type.Object(
      {
        seriesPerHost: Type.Integer({
          minimum: 20, maximum: 100_000, default: 1000,
          description: 'Most metric series one host may have; a sample\'s new mount or interface past it is dropped (the rest of the sample is kept), counted and shown to admins',
        }),
        mountsPerHost: Type.Integer({
          minimum: 1, maximum: 10_000, default: 64,
          description: 'Most disk mounts one host may have; known mounts keep working, a new one past the limit is dropped and counted',
        }),
        interfacesPerHost: Type.Integer({
          minimum: 1, maximum: 10_000, default: 128,
          description: 'Most network interfaces one host may have (an SNMP switch reports up to 128); known interfaces keep working, a new one past the limit is dropped and counted',
        }),
        containersPerHost: Type.Integer({
          minimum: 1, maximum: 10_000, default: 200,
          description: 'Most container names one host may have series for (names churn: docker run without --name, CI jobs); known names keep working, a new one past the limit is dropped from the sample and counted',
        }),
      },
      { default: {}, description: 'Per-host cardinality limits: one misbehaving agent cannot flood the store, the alerts and the charts' },
    ),
    retention: Type.Object(
      {
        raw: Type.Number({ minimum: 1, default: 48 * 3600, description: 'Seconds raw samples are kept (48 h)' }),
        minute: Type.Number({ minimum: 60, default: 30 * 86_400, description: 'Seconds 1-minute rollups are kept (30 d)' }),
        hour: Type.Number({ minimum: 3600, default: 400 * 86_400, description: 'Seconds 1-hour rollups are kept (400 d)' }),
      },
      { default: {} },
    ),
  },
  { default: {} },
);
export type IngestConfig = Static<typeof IngestConfig>;
