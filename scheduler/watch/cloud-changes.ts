// Which clouds a config change adds and removes. A removed cloud still has workers (its pool
// file) until it is drained, emptied and its stack destroyed; a new one is used next cycle.
import type { Config } from "../config/schema.js";

export interface CloudChanges {
  /** Configured now, not before. */
  added: string[];
  /** Not configured any more but still known (previous config or a pool file): retire them. */
  removed: string[];
}

/**
 * `poolClouds` are the clouds with pool files (listPoolClouds), so a cloud removed while the
 * scheduler was down is still found and cleaned up after a restart.
 */
export function cloudChanges(
  previous: Config | undefined,
  next: Config,
  poolClouds: readonly string[],
): CloudChanges {
  const now = new Set(Object.keys(next.clouds));
  const before = new Set(Object.keys(previous?.clouds ?? {}));
  const known = new Set([...before, ...poolClouds]);
  return {
    added: [...now].filter((cloud) => !before.has(cloud)).sort(),
    removed: [...known].filter((cloud) => !now.has(cloud)).sort(),
  };
}
