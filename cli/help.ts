/** Help texts for `vigie` and its commands (printed by --help). */
const COMMON = `Options (every command):
  -c, --config FILE     JSON config file (default: $VIGIE_CONFIG or ./vigie.json if present)
  --set KEY=VALUE       set any config key by its dotted path, e.g. --set ingest.retention.raw=86400
  --log-level LEVEL     fatal, error, warn, info, debug, trace or silent
  -h, --help            show this help
Every config key can also come from the environment: http.port -> VIGIE_HTTP_PORT,
dataDir -> VIGIE_DATA_DIR (flags > environment > file). See docs/configuration.md.`;

export const HELP: Record<string, string> = {
  main: `vigie — self-hosted monitoring for small fleets

Usage: vigie <command> [options]

Commands:
  up        broker + ingest + dashboard + a local agent in one process (the box's default)
  broker    the MQTT broker alone (TCP and WebSocket)
  server    ingest + dashboard, connected to a broker
  agent     the agent: publishes this machine's metrics to a broker
  oled      the box's OLED screen alone (or --simulate it in this terminal)
  credentials  install lines for agents (add --host), MQTT credentials for services; list, revoke
  user         add, list, passwd or unlock dashboard users
  history      copy the SQLite metric history into InfluxDB ('vigie history copy --to influx'), or export a host's samples as CSV or JSON ('vigie history export HOST')
  backup       write a backup archive of the databases, keys and config (safe while the server runs)
  restore      check and restore a backup archive as the data directory (the server stopped)
  checks       export or import the network checks as a YAML or JSON file (checks as code)
  devices      list, show, add or remove the SNMP devices (routers, switches, NAS, printers) agents poll
  mosquitto    write mosquitto.conf, its password file and ACL from Vigie's credentials (Mosquitto as the broker)

Run 'vigie <command> --help' for its options. 'vigie --version' prints the version.`,
  up: `Usage: vigie up [options]

Starts the MQTT broker, the ingest, the dashboard and a local agent in one process.
  --data-dir DIR        data directory (default ./data)
  --http-port PORT      dashboard and MQTT-over-WebSocket port (default 8080)
  --mqtt-port PORT      MQTT TCP port (default 1883)
  --bind ADDRESS        address both listeners bind to (default 0.0.0.0)

${COMMON}`,
  broker: `Usage: vigie broker [options]

Starts the MQTT broker alone: TCP on --mqtt-port, WebSocket at /mqtt on --http-port.
  --http-port PORT      WebSocket port (default 8080)
  --mqtt-port PORT      MQTT TCP port (default 1883)
  --bind ADDRESS        address both listeners bind to (default 0.0.0.0)

${COMMON}`,
  server: `Usage: vigie server [options]

Starts the ingest and the dashboard, subscribed to an MQTT broker.
  --broker URL          broker to subscribe to (default mqtt://127.0.0.1:1883)
  --data-dir DIR        data directory (default ./data)
  --http-port PORT      dashboard port (default 8080)
  --bind ADDRESS        address the dashboard binds to (default 0.0.0.0)

${COMMON}`,
  agent: `Usage: vigie agent [options]

Publishes this machine's metrics, info and services to a broker.
  --broker URL          broker URL, e.g. mqtt://192.168.1.20:1883 (default mqtt://127.0.0.1:1883)
  --host ID             host id to publish as (default: this machine's hostname)
  --interval SECONDS    seconds between samples (default 5)

${COMMON}`,
  oled: `Usage: vigie oled [options]

Drives the box's SSD1306 OLED (I2C) from the MQTT topics: IP address and load,
hosts online/offline, the most severe alert. 'vigie up' runs it already; this
runs it alone (see docs/oled.md and infra/systemd/vigie-oled.service).
  --simulate            draw the screen in this terminal instead of on the panel
  --broker URL          broker URL (default mqtt://127.0.0.1:1883); credentials: oled.username / oled.password
                        (VIGIE_OLED_USERNAME / VIGIE_OLED_PASSWORD, from 'vigie credentials add --service reader --name oled')
  --host ID             the box's host id, whose metrics the first page shows (default: this machine's)

${COMMON}`,
};
