import type { Accounts } from '../../accounts/index.js';
import { usernameFor } from '../../accounts/mqtt-credentials.js';
import type { AlertService } from '../../alerts/service.js';
import type { IngestHandle } from '../../ingest/types.js';

export interface HostRemovalDeps {
  ingest: IngestHandle;
  accounts: Pick<Accounts, 'credentials' | 'hostAccess' | 'enrollmentTokens'>;
  /** Tells the broker that credentials changed: it cuts the revoked agent. */
  credentialsChanged(): void;
  alerts?: AlertService;
}

/**
 * Removing a host, as one ordered use case (issue 10, item 8). Each step
 * closes a door the next one would leave open:
 * 1. tombstone: from now on the ingest ignores the host, so the Last Will the
 *    broker may publish when the agent is cut (Mosquitto does; Aedes is told
 *    not to) cannot recreate it, log it offline or page anyone;
 * 2. revoke its credentials and cut its connection, cancel its pending
 *    enrollment tokens, and forget the credentials' record (a removed host,
 *    seen or not, leaves the Hosts & agents list);
 * 3. end its alerts, unnotified (cause `removed`);
 * 4. clear its retained topics — status, info, services, stored and every
 *    alert topic it ever had — then delete its registry entry and history;
 * 5. forget its access rules and label.
 * Resolves with the number of points deleted and whether credentials were revoked.
 */
export async function removeHost(deps: HostRemovalDeps, host: string): Promise<{ points: number; revoked: boolean }> {
  deps.ingest.buryHost(host);
  const username = usernameFor({ kind: 'agent', host });
  const revoked = deps.accounts.credentials.revoke(username);
  deps.accounts.enrollmentTokens.cancelHost(host, 'host removed');
  deps.accounts.credentials.forget(username);
  if (revoked) deps.credentialsChanged();
  const alertTopics = deps.alerts?.removeHost(host) ?? [];
  const points = await deps.ingest.removeHost(host, { alsoClear: alertTopics });
  deps.accounts.hostAccess.remove(host);
  return { points: points ?? 0, revoked };
}
