/**
 * The alert path's diagnosis through the real ingest requester, a real
 * broker and a real agent: two alerts firing together on one host (CPU and
 * memory) each get their process list; before issue 11 the second was
 * answered "busy: another diagnosis is running on this agent".
 */
import { Value } from '@sinclair/typebox/value';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AgentConfig } from '../../agent/config.js';
import { startAgent, type AgentHandle } from '../../agent/index.js';
import { createDiagnosis } from '../../alerts/diagnosis.js';
import type { Alert } from '../../alerts/types.js';
import { waitFor } from '../helpers/env.js';
import { PREFIX, startDashboardStack, type DashboardStack } from '../dashboard/stack.js';

const HOST = 'twin-alerts';
let s: DashboardStack;
let agent: AgentHandle;

test.before(async () => {
  s = await startDashboardStack();
  agent = await startAgent(Value.Default(AgentConfig, { broker: s.broker.url, host: HOST, interval: 5 }) as AgentConfig, { prefix: PREFIX, services: false });
  await waitFor('the agent online', () => s.ingest.getHost(HOST)?.presence === 'online');
});

test.after(async () => {
  await agent?.close();
  await s?.close();
});

test('two alerts firing together: both diagnoses come back with their process list', async () => {
  const diagnose = createDiagnosis(s.ingest.command, { timeoutMs: 20_000 });
  const alert = (rule: string): Alert => ({ host: HOST, rule } as unknown as Alert);
  const [cpu, mem, load] = await Promise.all([diagnose(alert('cpu')), diagnose(alert('mem')), diagnose(alert('load'))]);
  assert.is(cpu[0], 'Top processes by CPU:', cpu.join('\n'));
  assert.is(mem[0], 'Top processes by memory:', mem.join('\n'));
  assert.is(load[0], 'Top processes by CPU:', load.join('\n'));
  for (const lines of [cpu, mem, load]) {
    assert.ok(lines.length > 1, 'with processes');
    assert.not.match(lines.join('\n'), /busy/);
  }
});

test.run();
