/**
 * Enrolling a host as an installed agent does (issue 11): an admin makes a
 * token with POST /api/hosts, the agent trades it at POST /api/enroll for its
 * credentials. For suites that need an enrolled agent's username/password.
 */
import type { Enrollment } from '../../accounts/enrollment.js';
import type { EnrollAnswer } from '../../dashboard/server/api/enroll.js';
import { ApiClient } from './api-client.js';

export type { EnrollAnswer };

/** Makes a token for `host` (with `extra` body fields, e.g. rotate) and uses it at once; throws if either step is refused. */
export async function enrollHost(admin: ApiClient, host: string, extra: Record<string, unknown> = {}): Promise<EnrollAnswer & { enrollment: Enrollment }> {
  const made = await admin.send<Enrollment>('POST', '/api/hosts', { host, ...extra });
  const enrollment = made.data;
  const used = await ApiClient.anonymous(admin.url).send<EnrollAnswer>('POST', '/api/enroll', { token: enrollment.token, agentVersion: 'test', hostname: 'test-machine' });
  return { ...used.data, enrollment };
}
