import type { ProbeContext, Probe, ProbeResult } from '../../../agent/checks/types.js';
import { createNetworkPolicy } from '../../../agent/checks/network-policy.js';
import type { CheckSpec } from '../../../protocol/payloads.js';

/** Runs a probe as the runner does: a context with the default policy, aborted at the check's timeout. */
export async function runProbe(probe: Probe, spec: Partial<CheckSpec> & Pick<CheckSpec, 'kind' | 'target'>, extra: Partial<ProbeContext> & { allow?: string[]; deny?: string[] } = {}): Promise<ProbeResult> {
  const full: CheckSpec = { id: 'c', interval: 60, timeout: 5, ...spec };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), full.timeout * 1000);
  const { allow = ['0.0.0.0/0', '::/0'], deny = ['169.254.0.0/16', 'fe80::/10'], ...ctx } = extra;
  try {
    return await probe(full, { signal: controller.signal, policy: createNetworkPolicy(allow, deny), now: () => performance.now(), ...ctx });
  } finally {
    clearTimeout(timer);
  }
}
