import type { Aedes, Client } from 'aedes';

/**
 * Makes sure `client`'s Last Will is not published when its connection
 * ends. A will says "this client vanished": it must not be sent when the
 * broker itself ends the connection on purpose — credentials revoked (the
 * will of a removed host would bring it back, issue 10 item 8) or a planned
 * broker stop (500 agents' wills paged everyone, item 13).
 */
export function suppressWill(aedes: Aedes, client: Client): void {
  const own = client as unknown as { will: unknown; _will: unknown };
  own.will = null; // read by Client#close
  own._will = null; // a client still connecting: copied to `will` by Aedes's storeWill
  // With the in-memory persistence the will dies with the process anyway; a shared one must forget it too.
  const persistence = (aedes as unknown as { persistence?: { delWill(client: { id: string; brokerId: string }): Promise<unknown> } }).persistence;
  if (client.id && persistence) persistence.delWill({ id: client.id, brokerId: aedes.id }).catch(() => {});
}
