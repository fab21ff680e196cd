/**
 * Version comparison for agents and the box (issue 11: outdated agents are
 * shown). Numeric on major.minor.patch, so 0.10.0 is newer than 0.9.0; a
 * pre-release (`1.2.0-rc.1`) is older than its release. Anything unparsable
 * compares as unknown (null): an agent that says something odd is not
 * called outdated on a guess.
 */
const SEMVER = /^v?(\d{1,9})\.(\d{1,9})\.(\d{1,9})(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** -1, 0 or 1 as `a` is older than, the same as or newer than `b`; null when either is not a version. */
export function compareVersions(a: string, b: string): -1 | 0 | 1 | null {
  const x = SEMVER.exec(a.trim());
  const y = SEMVER.exec(b.trim());
  if (!x || !y) return null;
  for (let i = 1; i <= 3; i++) {
    const d = Number(x[i]) - Number(y[i]);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  if (!x[4] === !y[4]) return 0; // both releases, or both pre-releases of the same version (close enough here)
  return x[4] ? -1 : 1;
}

/** True when an agent's version is known and older than the box's. */
export const isOutdated = (agent: string | null | undefined, box: string): boolean => (agent ? compareVersions(agent, box) === -1 : false);
