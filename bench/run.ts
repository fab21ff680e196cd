/**
 * `npm run bench`: the benchmarks with short defaults, one after the other,
 * each printing its table. For the full figures run them directly:
 *   node dist/bench/agent/run.js --samples 60 --interval 1
 *   node dist/bench/agent/process.js --duration 60 --interval 1   (the bundled agent process next to node_exporter)
 *   node dist/bench/agent/journal.js --samples 2000 --dir /var/lib/vigie   (the agent's durable buffer on that disk)
 *   node dist/bench/pipeline/run.js --agents 200,1000,5000 --interval 5 --duration 60
 *   node dist/bench/pipeline/capacity.js --publishers 100 --window 50 --duration 30   (vigie ingested / bare Aedes relay, same run)
 *   node dist/bench/pipeline/run.js --agents 1000 --max-rate --duration 120   (the highest sustained rate, next to the bare relay)
 *   node dist/bench/pipeline/run.js --agents 1000 --overload --overload-duration 120   (2 × capacity, drain, nothing acknowledged lost)
 *   node dist/bench/pipeline/run.js --agents 1000 --interval 5 --soak 1800   (server RSS every 30 s, flat or not)
 *   node dist/bench/broker/storm.js --hosts 1000,5000   (every agent reconnecting at once to a broker holding their retained messages)
 *   node dist/bench/alerts/engine.js --hosts 1000,5000 --rounds 60   (the alert engine: µs and bytes allocated per sample)
 *   node dist/bench/store/run.js --hosts 1000 --rounds 120   (SQLite and InfluxDB points/s)
 *   node dist/bench/history/run.js --hosts 1000 --deep 5 --runs 100 --cold 10   (24 h and 30 d charts of a host, store and HTTP; builds a ~3 GB store)
 *   node dist/bench/history/export.js --hosts 20 --series 22 --hours 24   (raw-sample exports: one host whole, one series)
 *   node dist/bench/memory/up.js --hosts 0,100 --warmup 30 --duration 120   (RSS of `vigie up`, idle and with 100 agents: the Pi 3 budget)
 *   node dist/bench/checks/runner.js --checks 0,50,200 --interval 10 --duration 60   (what N network checks cost the bundled agent)
 *   node dist/bench/snmp/poller.js --devices 0,10,50 --duration 60   (what polling N SNMP devices costs the agent; needs Debian's snmpd)
 *   node dist/bench/newcomer/first-host.js --clone DIR   (the README's new-user path in a fresh clone, timed; root)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runs: Array<[string, string[]]> = [
  ['agent/run.js', ['--samples', '20', '--interval', '1']],
  ['agent/process.js', ['--duration', '20', '--interval', '1']],
  ['agent/journal.js', ['--samples', '1000']],
  ['pipeline/run.js', ['--agents', '200,1000', '--interval', '5', '--duration', '30', '--warmup', '10']],
  ['pipeline/capacity.js', ['--publishers', '100', '--window', '50', '--duration', '10', '--warmup', '3']],
  ['broker/storm.js', ['--hosts', '1000']],
  ['alerts/engine.js', ['--hosts', '1000', '--rounds', '20']],
  ['store/run.js', ['--hosts', '500', '--rounds', '60']],
  ['history/run.js', ['--hosts', '200', '--runs', '50', '--cold', '5']],
  ['memory/up.js', ['--hosts', '0,100', '--warmup', '15', '--duration', '20']],
  ['checks/runner.js', ['--checks', '0,50', '--interval', '10', '--duration', '20']],
  ['snmp/poller.js', ['--devices', '0,50', '--duration', '20']],
];
let failed = false;
for (const [script, args] of runs) {
  process.stdout.write(`\n## bench/${script.replace('.js', '')} ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...args], { stdio: 'inherit' });
  failed ||= r.status !== 0;
}
process.exitCode = failed ? 1 : 0;
