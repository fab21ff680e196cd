import type { TableRow } from './map.js';
import type { SnmpSession } from './session.js';
import { compareOids, inSubtree, isException, type Varbind } from './values.js';

/**
 * Bounded reads. net-snmp's own walk() and subtree() follow whatever the
 * agent answers for as long as it answers: a device that loops (an OID not
 * increasing) or lists a million rows would keep the poller busy forever.
 * These stop at the end of the subtree, at EndOfMibView, at an OID that does
 * not move forward, and after maxRows rows or maxRequests requests.
 */

export interface WalkLimits {
  /** Rows kept at most; the first by index order (DEVICE_LIMITS.interfaces for IF-MIB). */
  maxRows: number;
  /** GETBULK requests at most for this table. */
  maxRequests: number;
}

/** Varbinds per GETBULK answer to aim for: fits a 1,500-byte datagram's worth of small rows, and snmpd trims larger answers itself. */
const VARBINDS_PER_REQUEST = 48;

/** GET of scalars by name; a name whose OID does not exist is left out. Asks at most `chunk` OIDs per request. */
export async function getScalars<K extends string>(session: SnmpSession, oids: Record<K, string>, chunk = 24): Promise<Partial<Record<K, Varbind>>> {
  const names = Object.keys(oids) as K[];
  const out: Partial<Record<K, Varbind>> = {};
  for (let i = 0; i < names.length; i += chunk) {
    const part = names.slice(i, i + chunk);
    const varbinds = await session.get(part.map((n) => oids[n]));
    part.forEach((name, j) => {
      const vb = varbinds[j];
      // An agent answering another OID than asked (a buggy one) is not believed.
      if (vb && !isException(vb) && vb.oid === oids[name]) out[name] = vb;
    });
  }
  return out;
}

/**
 * Walks the columns of one table together with GETBULK (one request
 * advances every column), and joins them by row index.
 */
export async function walkTable<K extends string>(session: SnmpSession, columns: Record<K, string>, limits: WalkLimits): Promise<Array<TableRow<K>>> {
  type Column = { key: K; base: string; last: string; done: boolean };
  const cols: Column[] = (Object.keys(columns) as K[]).map((key) => ({ key, base: columns[key], last: columns[key], done: false }));
  const rows = new Map<string, TableRow<K>>();
  const maxRepetitions = Math.max(1, Math.floor(VARBINDS_PER_REQUEST / cols.length));
  for (let request = 0; request < limits.maxRequests; request++) {
    const active = cols.filter((c) => !c.done);
    if (active.length === 0) break;
    const answer = await session.getBulk(active.map((c) => c.last), maxRepetitions);
    // Each varbind goes to the column whose subtree holds it, wherever it sits in the answer: agents
    // do not all interleave GETBULK repetitions as RFC 3416 §4.2.3 says (net-snmp's own agent does not).
    const progressed = new Set<Column>();
    for (const vb of answer.flat()) {
      if (isException(vb) || typeof vb?.oid !== 'string') continue;
      const col = active.find((c) => inSubtree(c.base, vb.oid));
      // Not moving forward: an agent looping on itself; that column's walk ends.
      if (!col || col.done || compareOids(vb.oid, col.last) <= 0) continue;
      const index = vb.oid.slice(col.base.length + 1);
      let row = rows.get(index);
      if (!row) {
        if (rows.size >= limits.maxRows) {
          col.done = true;
          continue;
        }
        row = { index, cells: {} };
        rows.set(index, row);
      }
      row.cells[col.key] = vb;
      col.last = vb.oid;
      progressed.add(col);
    }
    // A column ends where its own repetitions leave its subtree, hit EndOfMibView or stop moving forward.
    // One with no varbind at all stays: the agent cut its answer short (allowed, §4.2.3) before reaching it.
    active.forEach((col, i) => {
      for (const vb of answer[i] ?? []) {
        if (isException(vb) || typeof vb?.oid !== 'string' || !inSubtree(col.base, vb.oid) || (!progressed.has(col) && compareOids(vb.oid, col.last) <= 0)) col.done = true;
      }
    });
    // An answer that moved nothing forward will not be followed by a better one.
    if (progressed.size === 0) break;
  }
  return [...rows.values()].sort((a, b) => compareOids(a.index, b.index));
}

/** Walks one column (a single-column table): its rows as `{ index, cells: { [key]: varbind } }`. */
export function walkColumn<K extends string>(session: SnmpSession, key: K, oid: string, limits: WalkLimits): Promise<Array<TableRow<K>>> {
  return walkTable(session, { [key]: oid } as Record<K, string>, limits);
}
