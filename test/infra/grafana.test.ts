/**
 * infra/grafana: the provisioning files and dashboards agree with each other
 * and with the InfluxDB schema the ingest writes (derived from METRICS), and
 * every InfluxQL query runs on a real InfluxDB 1.6 (Debian's) with the
 * expected answers. Flux cannot run here (no InfluxDB 2), so Flux queries
 * are checked against the schema statically.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { METRICS } from '../../protocol/metric-series.js';
import '../helpers/env.js';
import { haveInfluxd, startInfluxd, type InfluxQueryJson } from '../helpers/influx.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DIR = join(ROOT, 'infra/grafana');
const GENERATIONS = ['influxql', 'flux'] as const;
type Generation = (typeof GENERATIONS)[number];

// ------------------------------------------------------------------ schema --

interface Measurement { fields: Set<string>; tags: Set<string> }

/** The InfluxDB schema (docs/influxdb.md): measurement = metric group, field = last part of the metric name. */
function schemaFromMetrics(): Map<string, Measurement> {
  const schema = new Map<string, Measurement>();
  for (const name of Object.keys(METRICS)) {
    const dot = name.indexOf('.');
    const group = dot < 0 ? 'system' : name.slice(0, dot); // uptime, processes
    const measurement = group === 'temperature' ? 'temp' : group;
    const entry = schema.get(measurement) ?? { fields: new Set(), tags: new Set(['host']) };
    entry.fields.add(name.slice(dot + 1));
    schema.set(measurement, entry);
  }
  schema.get('disk')?.tags.add('mount');
  schema.get('net')?.tags.add('iface');
  // A service event also carries its name as tag `service` (ingest/store/influx/schema.ts eventLine).
  schema.set('events', { fields: new Set(['state', 'reason', 'name']), tags: new Set(['host', 'kind', 'service']) });
  return schema;
}
const SCHEMA = schemaFromMetrics();

// -------------------------------------------------------------------- YAML --

type Yaml = string | Yaml[] | { [key: string]: Yaml };

/**
 * Parses the YAML subset the provisioning files use (maps, lists of maps,
 * plain scalars, comments) and throws on anything else, which keeps them
 * simple. No YAML package is installed and none is worth adding for this.
 */
function parseYaml(text: string): Yaml {
  const lines = text.split('\n')
    .map((raw, i) => ({ n: i + 1, indent: raw.search(/\S/), body: raw.replace(/\s+#.*$/, '').trim() }))
    .filter((l) => l.indent >= 0 && !l.body.startsWith('#') && l.body !== '');
  let at = 0;
  function block(indent: number): Yaml {
    const first = lines[at];
    if (!first || first.indent !== indent) throw new Error(`line ${first?.n}: expected indent ${indent}`);
    if (first.body.startsWith('- ')) {
      const list: Yaml[] = [];
      while (lines[at]?.indent === indent && lines[at]?.body.startsWith('- ')) {
        const item = lines[at]!;
        // "- key: value" opens a map whose keys sit two columns further in.
        lines[at] = { n: item.n, indent: indent + 2, body: item.body.slice(2) };
        list.push(block(indent + 2));
      }
      return list;
    }
    const map: Record<string, Yaml> = {};
    while (lines[at]?.indent === indent && !lines[at]?.body.startsWith('- ')) {
      const { n, body } = lines[at]!;
      const m = /^([A-Za-z_][\w]*):(?:\s+(.*))?$/.exec(body);
      if (!m) throw new Error(`line ${n}: not a "key: value" line: ${body}`);
      at += 1;
      map[m[1]!] = m[2] !== undefined ? m[2].replace(/^'(.*)'$|^"(.*)"$/, '$1$2') : block(lines[at]?.indent ?? -1);
    }
    return map;
  }
  const doc = block(0);
  if (at !== lines.length) throw new Error(`line ${lines[at]?.n}: unexpected indentation`);
  return doc;
}

function get(y: Yaml | undefined, ...path: Array<string | number>): Yaml | undefined {
  let cur = y;
  for (const key of path) {
    if (cur === undefined || typeof cur === 'string') return undefined;
    cur = Array.isArray(cur) ? cur[key as number] : cur[key as string];
  }
  return cur;
}

const readText = (path: string): string => readFileSync(join(DIR, path), 'utf8');
const yamlOf = (path: string): Yaml => parseYaml(readText(path));

// -------------------------------------------------------------- dashboards --

interface Ref { type?: string; uid?: string }
interface Target { refId: string; datasource?: Ref; query: string; resultFormat?: string }
interface Panel { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; datasource?: Ref; targets?: Target[]; fieldConfig?: unknown }
interface Variable { name: string; type: string; query: string; datasource?: Ref }
interface Dashboard { uid: string; title: string; schemaVersion: number; panels: Panel[]; templating: { list: Variable[] } }

const dashboardOf = (gen: Generation, name: 'fleet' | 'host'): Dashboard =>
  JSON.parse(readText(`${gen}/dashboards/vigie-${name}.json`)) as Dashboard;
const ALL = GENERATIONS.flatMap((gen) => (['fleet', 'host'] as const).map((name) => ({ gen, name, d: dashboardOf(gen, name) })));
const panel = (d: Dashboard, title: string): Panel => {
  const p = d.panels.find((x) => x.title === title);
  if (!p) throw new Error(`${d.uid}: no panel "${title}"`);
  return p;
};

/** Problems with one InfluxQL query against the schema: unknown measurements, fields or tags. */
function influxqlProblems(q: string): string[] {
  const measurements = [...q.matchAll(/\bFROM\s+("?)(\w+)\1/gi)].map((m) => m[2]!);
  if (measurements.length === 0) return [`no measurement in: ${q}`];
  const out = measurements.filter((m) => !SCHEMA.has(m)).map((m) => `unknown measurement ${m}`);
  const known = measurements.flatMap((m) => [...(SCHEMA.get(m)?.fields ?? []), ...(SCHEMA.get(m)?.tags ?? [])]);
  const idents = q.replace(/\bAS\s+"[^"]+"/gi, '').replace(/\bFROM\s+"\w+"/gi, '').matchAll(/"([^"]+)"/g);
  for (const [, id] of idents) if (!known.includes(id!)) out.push(`"${id}" is no field or tag of ${measurements.join('/')}`);
  return out;
}

/** Problems with one Flux query: each filter's measurement, fields and tag references must exist together. */
function fluxProblems(q: string): string[] {
  const out: string[] = [];
  const bodies = [...q.matchAll(/(?:filter\(fn|predicate): \(r\) => (.*?)\)?(?:, start|$)/gm)].map((m) => m[1]!);
  if (bodies.length === 0) out.push(`no filter in: ${q}`);
  for (const body of bodies) {
    const ms = [...body.matchAll(/r\._measurement == "(\w+)"/g)].map((m) => m[1]!);
    if (ms.length === 0) out.push(`filter without a measurement: ${body}`);
    for (const m of ms) if (!SCHEMA.has(m)) out.push(`unknown measurement ${m}`);
    for (const [, f] of body.matchAll(/r\._field == "(\w+)"/g)) {
      if (!ms.some((m) => SCHEMA.get(m)?.fields.has(f!))) out.push(`${f} is no field of ${ms.join('/')}`);
    }
    for (const [, t] of body.matchAll(/r\.(\w+)/g)) {
      if (!t!.startsWith('_') && !ms.every((m) => SCHEMA.get(m)?.tags.has(t!))) out.push(`${t} is no tag of ${ms.join('/')}`);
    }
  }
  const tags = new Set([...SCHEMA.values()].flatMap((m) => [...m.tags]));
  for (const [, cols] of q.matchAll(/group\(columns: \[([^\]]*)\]\)/g)) {
    for (const [, c] of cols!.matchAll(/"(\w+)"/g)) if (!tags.has(c!)) out.push(`group by ${c}, which is no tag`);
  }
  return out;
}

// ------------------------------------------------------------------- tests --

test('provisioned data sources: InfluxQL on database vigie, Flux with org/bucket, secrets only from the environment', () => {
  const ql = get(yamlOf('influxql/provisioning/datasources/vigie.yaml'), 'datasources', 0);
  assert.is(get(ql, 'type'), 'influxdb');
  assert.is(get(ql, 'uid'), 'vigie-influxql');
  assert.is(get(ql, 'jsonData', 'version'), 'InfluxQL');
  assert.is(get(ql, 'jsonData', 'dbName'), 'vigie');
  assert.is(get(ql, 'database'), 'vigie');
  assert.is(get(ql, 'user'), '$VIGIE_INFLUX_USER');
  assert.is(get(ql, 'secureJsonData', 'password'), '$VIGIE_INFLUX_PASSWORD');
  assert.is(get(ql, 'password'), undefined, 'a password outside secureJsonData is stored in clear');

  const fx = get(yamlOf('flux/provisioning/datasources/vigie.yaml'), 'datasources', 0);
  assert.is(get(fx, 'type'), 'influxdb');
  assert.is(get(fx, 'uid'), 'vigie-flux');
  assert.is(get(fx, 'jsonData', 'version'), 'Flux');
  assert.is(get(fx, 'jsonData', 'organization'), '$VIGIE_INFLUX_ORG');
  assert.is(get(fx, 'jsonData', 'defaultBucket'), '$VIGIE_INFLUX_BUCKET');
  assert.is(get(fx, 'secureJsonData', 'token'), '$VIGIE_INFLUX_TOKEN');
});

test('dashboard providers point at the folder the README says to copy the dashboards to', () => {
  const readme = readText('README.md');
  for (const gen of GENERATIONS) {
    const provider = get(yamlOf(`${gen}/provisioning/dashboards/vigie.yaml`), 'providers', 0);
    assert.is(get(provider, 'type'), 'file');
    const path = get(provider, 'options', 'path');
    assert.is(path, `/var/lib/grafana/dashboards/vigie-${gen}`);
    assert.ok(readme.includes(path as string), `README does not mention ${String(path)}`);
  }
});

test('the README names every environment variable the data sources read, and the DBRP command', () => {
  const readme = readText('README.md');
  const vars = GENERATIONS.flatMap((gen) => [...readText(`${gen}/provisioning/datasources/vigie.yaml`).matchAll(/\$(VIGIE_\w+)/g)].map((m) => m[1]!));
  assert.ok(vars.length >= 6);
  for (const v of vars) assert.ok(readme.includes(v), `README does not mention ${v}`);
  assert.match(readme, /influx v1 dbrp create/);
});

test('dashboards: schemaVersion ≥ 36, unique uids, unique panel ids, panels inside the 24-column grid without overlap', () => {
  assert.is(new Set(ALL.map((x) => x.d.uid)).size, ALL.length);
  for (const { d } of ALL) {
    assert.ok(d.schemaVersion >= 36, d.uid);
    assert.match(d.uid, /^vigie-(fleet|host)-(influxql|flux)$/);
    assert.is(new Set(d.panels.map((p) => p.id)).size, d.panels.length, `${d.uid}: duplicate panel id`);
    d.panels.forEach((a, i) => {
      assert.ok(a.gridPos.x >= 0 && a.gridPos.x + a.gridPos.w <= 24, `${d.uid}/${a.title}: outside the grid`);
      for (const b of d.panels.slice(i + 1)) {
        const overlap = a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w
          && a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h;
        assert.not.ok(overlap, `${d.uid}: "${a.title}" overlaps "${b.title}"`);
      }
    });
  }
});

test('every panel, query and variable uses the provisioned data source of its generation', () => {
  for (const { gen, d } of ALL) {
    const uid = get(yamlOf(`${gen}/provisioning/datasources/vigie.yaml`), 'datasources', 0, 'uid');
    const refs = [...d.panels.flatMap((p) => [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]), ...d.templating.list.map((v) => v.datasource)];
    assert.ok(refs.length > d.panels.length);
    for (const ref of refs) assert.equal(ref, { type: 'influxdb', uid }, d.uid);
  }
});

test('links from the fleet table open an existing host dashboard', () => {
  const uids = new Set(ALL.map((x) => x.d.uid));
  for (const gen of GENERATIONS) {
    const links = [...JSON.stringify(panel(dashboardOf(gen, 'fleet'), 'Hosts').fieldConfig).matchAll(/\/d\/([\w-]+)\?var-host=/g)];
    assert.is(links.length, 1);
    assert.ok(uids.has(links[0]![1]!) && links[0]![1] === `vigie-host-${gen}`);
  }
});

test('both generations show the same panels in the same places', () => {
  for (const name of ['fleet', 'host'] as const) {
    const shape = (gen: Generation): unknown => dashboardOf(gen, name).panels.map((p) => [p.type, p.title, p.gridPos]);
    assert.equal(shape('flux'), shape('influxql'));
  }
});

test('host dashboards have a $host variable and filter every panel by it', () => {
  for (const gen of GENERATIONS) {
    const d = dashboardOf(gen, 'host');
    const host = d.templating.list.find((v) => v.name === 'host');
    assert.ok(host && host.type === 'query', `${d.uid}: no $host query variable`);
    if (gen === 'influxql') assert.is(host.query, 'SHOW TAG VALUES FROM cpu WITH KEY = "host"');
    else assert.match(host.query, /schema\.tagValues\(bucket: v\.defaultBucket, tag: "host"/);
    for (const p of d.panels) for (const t of p.targets ?? []) assert.match(t.query, gen === 'influxql' ? /"host" =~ \/\^\$host\$\// : /r\.host == "\$\{host\}"/, `${p.title}`);
    const titles = d.panels.map((p) => p.title);
    for (const t of ['CPU', 'Load', 'Memory', 'Swap', 'Disk used per mount', 'Network per interface', 'Status and service changes']) assert.ok(titles.includes(t), t);
  }
});

test('every measurement, field and tag in the queries exists in the schema written from METRICS', () => {
  assert.equal(SCHEMA.get('temp')?.fields, new Set(['cpu']));
  assert.equal(SCHEMA.get('system')?.fields, new Set(['uptime', 'processes']));
  for (const { gen, d } of ALL) {
    const queries = [...d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.query)), ...d.templating.list.map((v) => v.query)];
    for (const q of queries) assert.equal(gen === 'influxql' ? influxqlProblems(q) : fluxProblems(q), [], q);
  }
  // The checkers themselves catch a wrong name.
  assert.ok(influxqlProblems('SELECT mean("usedPercent") FROM "cpu" WHERE $timeFilter').length > 0);
  assert.ok(influxqlProblems('SELECT mean("usage") FROM "cpu" GROUP BY "mount"').length > 0);
  assert.ok(fluxProblems('filter(fn: (r) => r._measurement == "temperature" and r._field == "cpu")').length > 0);
  assert.ok(fluxProblems('filter(fn: (r) => r._measurement == "net" and r._field == "rxRate" and r.mount == "/")').length > 0);
});

test('time series group by the panel interval: GROUP BY time($__interval) / aggregateWindow(every: v.windowPeriod, fn: mean)', () => {
  for (const { gen, d } of ALL) {
    for (const p of d.panels.filter((x) => x.type === 'timeseries')) {
      for (const t of p.targets ?? []) {
        if (gen === 'influxql') assert.match(t.query, /WHERE .*\$timeFilter GROUP BY time\(\$__interval\)/, p.title);
        else assert.match(t.query, /range\(start: v\.timeRangeStart, stop: v\.timeRangeStop\)[\s\S]*aggregateWindow\(every: v\.windowPeriod, fn: mean\)/, p.title);
      }
    }
  }
});

test('the committed dashboards are what generate.mjs writes', () => {
  const r = spawnSync(process.execPath, [join(DIR, 'generate.mjs'), '--check'], { cwd: ROOT, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
});

// ------------------------------------------------- InfluxQL on InfluxDB 1.6 --

/** Grafana's InfluxQL macros, as it expands them before sending a query. */
function expand(q: string, now: number): string {
  return q
    .replaceAll('$timeFilter', `time >= ${now - 3_600_000}ms and time <= ${now}ms`)
    .replaceAll('$__interval', '1m')
    .replaceAll('$host', 'pi-1');
}

const values = (json: InfluxQueryJson): unknown[] => (json.results[0]?.series ?? []).flatMap((s) => s.values.flatMap((row) => row.slice(1)));

test('every InfluxQL query runs on InfluxDB 1.6 and answers what its panel shows', async () => {
  if (!haveInfluxd()) return;
  const influx = await startInfluxd({ databases: ['vigie'] });
  try {
    const now = Date.now();
    const lines: string[] = [];
    const host = (h: string, ts: number, cpu: number, disks: Record<string, number>): void => {
      lines.push(`cpu,host=${h} usage=${cpu},iowait=1.5,load1=0.5,load5=0.4,load15=0.3 ${ts}`,
        `mem,host=${h} used=1073741824,usedPercent=${cpu + 10} ${ts}`, `swap,host=${h} used=0,usedPercent=2 ${ts}`,
        `net,host=${h},iface=eth0 rxRate=1000,txRate=200 ${ts}`, `net,host=${h},iface=wlan0 rxRate=10,txRate=20 ${ts}`,
        `temp,host=${h} cpu=48.5 ${ts}`, `system,host=${h} uptime=3600,processes=142 ${ts}`,
        ...Object.entries(disks).map(([mount, pct]) => `disk,host=${h},mount=${mount.replaceAll(' ', '\\ ')} used=5e9,usedPercent=${pct} ${ts}`));
    };
    host('pi-1', now - 50_000, 20, { '/': 40, '/boot': 70 });
    host('pi-1', now - 20_000, 30, { '/': 45, '/boot': 60 }); // latest: CPU 30, fullest disk 60
    host('nas', now - 20_000, 5, { '/': 10, '/srv/data': 95 });
    host('old', now - 600_000, 89, { '/': 99 }); // in the time range, but not reporting
    // As the ingest writes them: optional fields absent, a service event tagged with its name too.
    lines.push(`events,host=pi-1,kind=status state="offline",reason="last will" ${now - 40_000}`,
      `events,host=pi-1,kind=service,service=nginx state="failed",name="nginx" ${now - 30_000}`,
      `events,host=pi-1,kind=service,service=cron state="running",name="cron" ${now - 30_000}`);
    const res = await fetch(`${influx.url}/write?db=vigie&precision=ms`, { method: 'POST', body: lines.join('\n') });
    assert.is(res.status, 204, await res.text());

    const run = (q: string): Promise<InfluxQueryJson> => influx.query(expand(q, now), 'vigie');
    const fleet = dashboardOf('influxql', 'fleet');
    const hostD = dashboardOf('influxql', 'host');
    for (const d of [fleet, hostD]) {
      for (const p of d.panels) {
        for (const t of p.targets ?? []) assert.ok(values(await run(t.query)).some((v) => v !== null), `${d.uid}/${p.title}/${t.refId}: no data`);
      }
    }

    assert.equal(values(await run(hostD.templating.list[0]!.query)), ['nas', 'old', 'pi-1']);
    assert.equal(values(await run(panel(fleet, 'Hosts reporting').targets![0]!.query)), [2]);

    // The table's three queries: one row per host, keyed by the host tag.
    const byHost = async (q: string): Promise<Record<string, unknown>> => Object.fromEntries(
      ((await run(q)).results[0]?.series ?? []).map((s) => [s.tags?.host, s.values[0]?.[1]]));
    const [cpu, mem, disk] = panel(fleet, 'Hosts').targets!;
    assert.equal(await byHost(cpu!.query), { nas: 5, old: 89, 'pi-1': 30 });
    assert.equal(await byHost(mem!.query), { nas: 15, old: 99, 'pi-1': 40 });
    assert.equal(await byHost(disk!.query), { nas: 95, old: 99, 'pi-1': 60 });

    const mounts = (await run(panel(hostD, 'Disk used per mount').targets![0]!.query)).results[0]?.series?.map((s) => s.tags?.mount);
    assert.equal(mounts, ['/', '/boot']);
    const events = (await run(panel(hostD, 'Status and service changes').targets![0]!.query)).results[0]?.series?.[0];
    assert.equal(events?.columns, ['time', 'kind', 'name', 'state', 'reason']);
    const times = events?.values.map((r) => r[0] as number) ?? [];
    assert.equal(times, [...times].sort((a, b) => b - a), 'newest first');
    // Two services changed at one ts: their relative order is InfluxDB's choice.
    assert.equal(events?.values.map((r) => r.slice(1)).sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
      [['service', 'cron', 'running', null], ['service', 'nginx', 'failed', null], ['status', null, 'offline', 'last will']]);
  } finally {
    await influx.stop();
  }
});

test.run();
