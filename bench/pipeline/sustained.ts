/** What the pipeline benches call a rate the server takes in full (--max-rate, the overload's ramp). */
export interface RateWindow {
  offered: number;
  ingested: number;
  /** Samples waiting in the agents' buffers at the start and the end of the window. */
  waitingStart: number;
  waitingEnd: number;
  agents: number;
}

/** Share of the offered samples the ingest must take. */
const TAKEN_SHARE = 0.95;

/** The ingest took ≥ 95 % of what was offered, and the agents' buffers grew by a sample each at most. */
export const takenInFull = (w: RateWindow): boolean => w.ingested >= TAKEN_SHARE * w.offered && w.waitingEnd <= w.waitingStart + w.agents;
