/**
 * V8's sampling heap profiler through `node:inspector`, set to count every
 * allocation: the objects later collected by either collector are kept in the
 * profile, so it shows the garbage a piece of code makes, not only what it
 * keeps. Used by bench/alerts/engine and bench/lib/alloc-sampler.
 */
import { Session } from 'node:inspector/promises';

/** One node of a sampled profile: the bytes allocated in this frame itself, and its callees. */
export interface HeapSample { selfSize: number; children: HeapSample[] }

/** A profile as DevTools opens it (Memory tab, `.heapprofile`). */
export interface HeapProfile { head: HeapSample }

export interface HeapSampling {
  /** Stops sampling and returns the profile; the session is closed. */
  stop(): Promise<HeapProfile>;
}

/**
 * Starts sampling this thread, one sample every `intervalBytes` allocated on
 * average. `youngGarbage: false` leaves out what the young generation's
 * scavenges collect: what is left is what lived long enough to be promoted
 * (the old generation's garbage, which its mark-compacts pay for) or lives on.
 */
export async function startHeapSampling(intervalBytes: number, opts: { youngGarbage?: boolean } = {}): Promise<HeapSampling> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: intervalBytes, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: opts.youngGarbage ?? true });
  return {
    async stop() {
      const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: HeapProfile };
      session.disconnect();
      return profile;
    },
  };
}

/** Bytes allocated in a profile: every frame's own, summed. */
export function allocatedBytes(profile: HeapProfile): number {
  const sum = (n: HeapSample): number => n.selfSize + n.children.reduce((t, c) => t + sum(c), 0);
  return sum(profile.head);
}
