#!/usr/bin/env node
/**
 * Writes the Grafana dashboards of infra/grafana/<generation>/dashboards/.
 *
 * The InfluxQL and Flux dashboards have the same panels, units and layout;
 * only the queries differ. Generating both from one description keeps them
 * from drifting apart. The JSON files are committed, so nobody needs to run
 * this to use them: run it after changing a panel or a query here.
 *
 *   node infra/grafana/generate.mjs          rewrites the JSON files
 *   node infra/grafana/generate.mjs --check  exits 1 if a committed file differs
 *
 * Schema written by the ingest (docs/influxdb.md): one measurement per metric
 * group, tag `host` everywhere, `mount` on disk, `iface` on net, and an
 * `events` measurement (tags host, kind, and service on service events;
 * string fields state, reason, name).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Grafana 9.0+ reads this schema; older ones refuse or migrate it. */
const SCHEMA_VERSION = 39;

// ---------------------------------------------------------------- queries --

/** InfluxQL: works on InfluxDB 1.x (1.6 included), on 2.x through a DBRP mapping, on 3.x. */
const influxql = {
  name: 'influxql',
  title: 'InfluxQL',
  datasource: { type: 'influxdb', uid: 'vigie-influxql' },
  hostVariable: { query: 'SHOW TAG VALUES FROM cpu WITH KEY = "host"', refresh: 1 },
  /** A series over time, one line per combination of `by` tags. */
  series: (m, f, by = []) => ({
    query: `SELECT mean("${f}") FROM "${m}" WHERE ${hostWhere(by)}$timeFilter GROUP BY ${['time($__interval)', ...by.filter((t) => t !== '$host').map((t) => `"${t}"`)].join(', ')} fill(null)`,
    resultFormat: 'time_series',
  }),
  /** The latest value of one field on the selected host. */
  latest: (m, f) => ({ query: `SELECT last("${f}") FROM "${m}" WHERE "host" =~ /^$host$/ AND $timeFilter`, resultFormat: 'time_series' }),
  fleetTable: () => [
    { query: 'SELECT last("usage") AS "CPU %" FROM "cpu" WHERE $timeFilter GROUP BY "host"', resultFormat: 'table' },
    { query: 'SELECT last("usedPercent") AS "Memory %" FROM "mem" WHERE $timeFilter GROUP BY "host"', resultFormat: 'table' },
    {
      // The fullest disk is the largest of each mount's latest value (a subquery: InfluxDB 1.2+).
      query: 'SELECT max("usedPercent") AS "Fullest disk %" FROM (SELECT last("usedPercent") AS "usedPercent" FROM "disk" WHERE $timeFilter GROUP BY "host", "mount") WHERE $timeFilter GROUP BY "host"',
      resultFormat: 'table',
    },
  ],
  // Each InfluxQL query is its own table (with its own Time column): keep the
  // host and value columns, then join the three tables on the host.
  fleetTransformations: [
    { id: 'filterFieldsByName', options: { include: { pattern: '^(host|CPU %|Memory %|Fullest disk %)$' } } },
    { id: 'joinByField', options: { byField: 'host', mode: 'outer' } },
  ],
  hostsReporting: () => ({
    // A tag cannot be counted directly in InfluxQL: count one latest point per host.
    query: 'SELECT count("usage") FROM (SELECT last("usage") AS "usage" FROM "cpu" WHERE time > now() - 1m GROUP BY "host")',
    resultFormat: 'time_series',
  }),
  events: () => ({
    query: 'SELECT "kind", "name", "state", "reason" FROM "events" WHERE "host" =~ /^$host$/ AND $timeFilter ORDER BY time DESC LIMIT 500',
    resultFormat: 'table',
  }),
};

/** `"host" =~ /^$host$/ AND ` when the series belongs to the selected host. */
function hostWhere(by) {
  return by.includes('$host') ? '"host" =~ /^$host$/ AND ' : '';
}

const FROM = 'from(bucket: v.defaultBucket)\n  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)';

/** Flux: InfluxDB 2.x, and 1.8+ with flux-enabled = true. */
const flux = {
  name: 'flux',
  title: 'Flux',
  datasource: { type: 'influxdb', uid: 'vigie-flux' },
  hostVariable: {
    query: 'import "influxdata/influxdb/schema"\n\nschema.tagValues(bucket: v.defaultBucket, tag: "host", predicate: (r) => r._measurement == "cpu", start: -30d)',
    refresh: 1,
  },
  series: (m, f, by = []) => ({
    query: `${FROM}\n  |> filter(fn: (r) => r._measurement == "${m}" and r._field == "${f}"${by.includes('$host') ? ' and r.host == "${host}"' : ''})\n  |> aggregateWindow(every: v.windowPeriod, fn: mean)`,
  }),
  latest: (m, f) => ({
    query: `${FROM}\n  |> filter(fn: (r) => r._measurement == "${m}" and r._field == "${f}" and r.host == "\${host}")\n  |> last()`,
  }),
  fleetTable: () => [
    {
      // Latest value per host for each column, then one row per host (pivot).
      query: [
        'cpu = ' + FROM,
        '  |> filter(fn: (r) => r._measurement == "cpu" and r._field == "usage")',
        '  |> last()',
        '  |> keep(columns: ["host", "_value"])',
        '  |> set(key: "column", value: "CPU %")',
        '',
        'mem = ' + FROM,
        '  |> filter(fn: (r) => r._measurement == "mem" and r._field == "usedPercent")',
        '  |> last()',
        '  |> keep(columns: ["host", "_value"])',
        '  |> set(key: "column", value: "Memory %")',
        '',
        '// The fullest disk is the largest of each mount\'s latest value.',
        'disk = ' + FROM,
        '  |> filter(fn: (r) => r._measurement == "disk" and r._field == "usedPercent")',
        '  |> last()',
        '  |> group(columns: ["host"])',
        '  |> max()',
        '  |> keep(columns: ["host", "_value"])',
        '  |> set(key: "column", value: "Fullest disk %")',
        '',
        'union(tables: [cpu, mem, disk])',
        '  |> group()',
        '  |> pivot(rowKey: ["host"], columnKey: ["column"], valueColumn: "_value")',
      ].join('\n'),
    },
  ],
  fleetTransformations: [],
  hostsReporting: () => ({
    query: [
      'from(bucket: v.defaultBucket)',
      '  |> range(start: -1m)',
      '  |> filter(fn: (r) => r._measurement == "cpu" and r._field == "usage")',
      '  |> group()',
      '  |> distinct(column: "host")',
      '  |> count()',
    ].join('\n'),
  }),
  events: () => ({
    query: [
      FROM,
      '  |> filter(fn: (r) => r._measurement == "events" and r.host == "${host}")',
      '  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")',
      '  |> keep(columns: ["_time", "kind", "name", "state", "reason"])',
      '  |> group()',
      '  |> sort(columns: ["_time"], desc: true)',
      '  |> limit(n: 500)',
    ].join('\n'),
  }),
};

// ----------------------------------------------------------------- panels --

/** Wraps a generation's query objects as Grafana targets A, B, C… */
function targets(gen, queries) {
  return queries.map((q, i) => ({ refId: String.fromCharCode(65 + i), datasource: gen.datasource, ...(gen.name === 'influxql' ? { rawQuery: true } : {}), ...q }));
}

/** Names each query's series (Grafana's default names are long and differ between InfluxQL and Flux). */
function names(list) {
  return list.map((displayName, i) => ({
    matcher: { id: 'byFrameRefID', options: String.fromCharCode(65 + i) },
    properties: [{ id: 'displayName', value: displayName }],
  }));
}

const PERCENT = { unit: 'percent', min: 0, max: 100, decimals: 1 };
const THRESHOLDS = {
  mode: 'absolute',
  steps: [{ color: 'green', value: null }, { color: 'orange', value: 80 }, { color: 'red', value: 90 }],
};

function timeseries(gen, { title, description, gridPos, queries, defaults = {}, overrides = [] }) {
  return {
    type: 'timeseries', title, description, gridPos, datasource: gen.datasource,
    targets: targets(gen, queries),
    fieldConfig: {
      defaults: {
        custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'never', spanNulls: false },
        ...defaults,
      },
      overrides,
    },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
  };
}

function stat(gen, { title, description, gridPos, queries, defaults = {} }) {
  return {
    type: 'stat', title, description, gridPos, datasource: gen.datasource,
    targets: targets(gen, queries),
    fieldConfig: { defaults: { color: { mode: 'thresholds' }, thresholds: { mode: 'absolute', steps: [{ color: 'blue', value: null }] }, ...defaults }, overrides: [] },
    options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'none', textMode: 'value', justifyMode: 'auto' },
  };
}

function table(gen, { title, description, gridPos, queries, transformations = [], defaults = {}, overrides = [], sortBy = [] }) {
  return {
    type: 'table', title, description, gridPos, datasource: gen.datasource,
    targets: targets(gen, queries),
    transformations,
    fieldConfig: { defaults, overrides },
    options: { showHeader: true, cellHeight: 'sm', sortBy },
  };
}

/** Panel ids are positional: stable across runs, unique within a dashboard. */
function numbered(panels) {
  return panels.map((p, i) => ({ id: i + 1, ...p }));
}

function dashboard(gen, { uid, title, description, panels, templating = [] }) {
  return {
    id: null,
    uid,
    title,
    description,
    tags: ['vigie', gen.name],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timepicker: {},
    annotations: { list: [] },
    links: [{ type: 'dashboards', title: 'Vigie', tags: ['vigie', gen.name], asDropdown: false, includeVars: false, keepTime: true }],
    templating: { list: templating },
    panels: numbered(panels),
  };
}

function fleet(gen) {
  const hostUid = `vigie-host-${gen.name}`;
  return dashboard(gen, {
    uid: `vigie-fleet-${gen.name}`,
    title: `Vigie fleet (${gen.title})`,
    description: 'Every host Vigie stores in InfluxDB: latest figures and CPU over time.',
    panels: [
      stat(gen, {
        title: 'Hosts reporting',
        description: 'Hosts whose CPU usage arrived in the last minute.',
        gridPos: { x: 0, y: 0, w: 5, h: 9 },
        queries: [gen.hostsReporting()],
        defaults: { unit: 'none', decimals: 0, noValue: '0' },
      }),
      table(gen, {
        title: 'Hosts',
        description: 'Latest values in the selected time range. Click a host to open its dashboard.',
        gridPos: { x: 5, y: 0, w: 19, h: 9 },
        queries: gen.fleetTable(),
        transformations: [
          ...gen.fleetTransformations,
          { id: 'organize', options: { indexByName: { host: 0, 'CPU %': 1, 'Memory %': 2, 'Fullest disk %': 3 }, renameByName: { host: 'Host' } } },
        ],
        defaults: { ...PERCENT, thresholds: THRESHOLDS, color: { mode: 'thresholds' }, custom: { align: 'auto', cellOptions: { type: 'color-text' } } },
        overrides: [{
          matcher: { id: 'byName', options: 'Host' },
          properties: [
            { id: 'unit', value: 'string' },
            { id: 'custom.cellOptions', value: { type: 'auto' } },
            { id: 'links', value: [{ title: 'Open ${__value.raw}', url: `/d/${hostUid}?var-host=\${__value.raw}&\${__url_time_range}` }] },
          ],
        }],
        sortBy: [{ displayName: 'CPU %', desc: true }],
      }),
      timeseries(gen, {
        title: 'CPU usage per host',
        gridPos: { x: 0, y: 9, w: 24, h: 9 },
        queries: [gen.series('cpu', 'usage', ['host'])],
        defaults: { ...PERCENT, displayName: '${__field.labels.host}' },
      }),
      timeseries(gen, {
        title: 'Memory used per host',
        gridPos: { x: 0, y: 18, w: 24, h: 9 },
        queries: [gen.series('mem', 'usedPercent', ['host'])],
        defaults: { ...PERCENT, displayName: '${__field.labels.host}' },
      }),
    ],
  });
}

function host(gen) {
  const mine = ['$host'];
  return dashboard(gen, {
    uid: `vigie-host-${gen.name}`,
    title: `Vigie host (${gen.title})`,
    description: 'One host: CPU, load, memory, swap, disks, network, and its status and service changes.',
    templating: [{
      name: 'host', label: 'Host', type: 'query', datasource: gen.datasource,
      query: gen.hostVariable.query, definition: gen.hostVariable.query,
      refresh: gen.hostVariable.refresh, sort: 1, includeAll: false, multi: false, hide: 0, current: {}, options: [], regex: '',
    }],
    panels: [
      stat(gen, { title: 'Uptime', gridPos: { x: 0, y: 0, w: 6, h: 4 }, queries: [gen.latest('system', 'uptime')], defaults: { unit: 's', decimals: 0 } }),
      stat(gen, { title: 'Processes', gridPos: { x: 6, y: 0, w: 6, h: 4 }, queries: [gen.latest('system', 'processes')], defaults: { unit: 'none', decimals: 0 } }),
      stat(gen, {
        title: 'CPU temperature', gridPos: { x: 12, y: 0, w: 6, h: 4 }, queries: [gen.latest('temp', 'cpu')],
        defaults: { unit: 'celsius', decimals: 1, thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'orange', value: 70 }, { color: 'red', value: 80 }] } },
      }),
      stat(gen, { title: 'Memory used', gridPos: { x: 18, y: 0, w: 6, h: 4 }, queries: [gen.latest('mem', 'used')], defaults: { unit: 'bytes', decimals: 1 } }),
      timeseries(gen, {
        title: 'CPU', gridPos: { x: 0, y: 4, w: 12, h: 8 },
        queries: [gen.series('cpu', 'usage', mine), gen.series('cpu', 'iowait', mine)],
        defaults: PERCENT, overrides: names(['Usage', 'I/O wait']),
      }),
      timeseries(gen, {
        title: 'Load', gridPos: { x: 12, y: 4, w: 12, h: 8 },
        queries: [gen.series('cpu', 'load1', mine), gen.series('cpu', 'load5', mine), gen.series('cpu', 'load15', mine)],
        defaults: { unit: 'none', min: 0, decimals: 2 }, overrides: names(['1 min', '5 min', '15 min']),
      }),
      timeseries(gen, {
        title: 'Memory', gridPos: { x: 0, y: 12, w: 12, h: 8 },
        queries: [gen.series('mem', 'usedPercent', mine)], defaults: PERCENT, overrides: names(['Used']),
      }),
      timeseries(gen, {
        title: 'Swap', gridPos: { x: 12, y: 12, w: 12, h: 8 },
        queries: [gen.series('swap', 'usedPercent', mine)], defaults: PERCENT, overrides: names(['Used']),
      }),
      timeseries(gen, {
        title: 'Disk used per mount', gridPos: { x: 0, y: 20, w: 12, h: 8 },
        queries: [gen.series('disk', 'usedPercent', ['$host', 'mount'])],
        defaults: { ...PERCENT, displayName: '${__field.labels.mount}' },
      }),
      timeseries(gen, {
        title: 'Network per interface',
        description: 'Received above the axis, sent below.',
        gridPos: { x: 12, y: 20, w: 12, h: 8 },
        queries: [gen.series('net', 'rxRate', ['$host', 'iface']), gen.series('net', 'txRate', ['$host', 'iface'])],
        defaults: { unit: 'Bps' },
        overrides: [
          { matcher: { id: 'byFrameRefID', options: 'A' }, properties: [{ id: 'displayName', value: '${__field.labels.iface} rx' }] },
          {
            matcher: { id: 'byFrameRefID', options: 'B' },
            properties: [{ id: 'displayName', value: '${__field.labels.iface} tx' }, { id: 'custom.transform', value: 'negative-Y' }],
          },
        ],
      }),
      table(gen, {
        title: 'Status and service changes',
        description: 'The events measurement: kind "status" (online, offline…) and "service" (a service changed state), newest first.',
        gridPos: { x: 0, y: 28, w: 24, h: 10 },
        queries: [gen.events()],
        transformations: [{
          id: 'organize',
          options: { indexByName: { Time: 0, _time: 0, kind: 1, name: 2, state: 3, reason: 4 }, renameByName: { _time: 'Time', kind: 'Kind', name: 'Service', state: 'State', reason: 'Reason' } },
        }],
        defaults: { custom: { align: 'auto', cellOptions: { type: 'auto' } } },
      }),
    ],
  });
}

// ------------------------------------------------------------------ write --

function render() {
  const files = new Map();
  for (const gen of [influxql, flux]) {
    files.set(join(HERE, gen.name, 'dashboards', 'vigie-fleet.json'), fleet(gen));
    files.set(join(HERE, gen.name, 'dashboards', 'vigie-host.json'), host(gen));
  }
  return new Map([...files].map(([path, json]) => [path, `${JSON.stringify(json, null, 2)}\n`]));
}

function main() {
  const check = process.argv.includes('--check');
  const stale = [];
  for (const [path, text] of render()) {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      // missing: stale
    }
    if (current === text) continue;
    stale.push(relative(process.cwd(), path));
    if (!check) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
  }
  if (check && stale.length > 0) {
    console.error(`out of date (run node infra/grafana/generate.mjs): ${stale.join(', ')}`);
    process.exit(1);
  }
  if (!check) console.log(stale.length ? `wrote ${stale.join(', ')}` : 'dashboards up to date');
}

main();
