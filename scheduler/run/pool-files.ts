// The pool files of the config repo as the cycle uses them: read all; save (write what changed
// and commit) and remove, each as one step under the repo's lock, so the watcher's sync never
// sees a half-made change. One narrow interface so tests and the simulator keep pools elsewhere.
import type { ConfigRepo } from "../pool/repo.js";
import {
  listPoolClouds,
  POOL_DIR,
  poolFileGitPath,
  readPoolFile,
  removePoolFile,
  writePoolFile,
} from "../pool/store.js";
import type { PoolWorker } from "../pool/types.js";

export interface SavedPools {
  /** Git paths of the pool files this save committed (changed now or left by a failed commit). */
  paths: string[];
  /** The new commit; undefined when nothing changed. */
  commit?: string;
}

export interface PoolFiles {
  /** Every pool: the configured clouds plus any cloud that still has a pool file. */
  readAll(configClouds: string[]): Promise<Record<string, PoolWorker[]>>;
  /**
   * Writes the pools whose content changed (an empty pool of a cloud with no file is not
   * written) and commits every pool file that differs from the last commit, with
   * `message(paths)`. A failed commit throws; its files are committed by the next save.
   */
  save(
    pools: Record<string, PoolWorker[]>,
    message: (paths: string[]) => string,
  ): Promise<SavedPools>;
  /** Removes the clouds' pool files and commits; undefined when none existed. */
  remove(clouds: string[], message: string): Promise<string | undefined>;
  gitPath(cloud: string): string;
}

export class RepoPoolFiles implements PoolFiles {
  constructor(private readonly repo: ConfigRepo) {}

  async readAll(configClouds: string[]): Promise<Record<string, PoolWorker[]>> {
    const clouds = [...new Set([...configClouds, ...(await listPoolClouds(this.repo.dir))])].sort();
    const pools: Record<string, PoolWorker[]> = {};
    for (const cloud of clouds) {
      pools[cloud] = (await readPoolFile(this.repo.dir, cloud))?.workers ?? [];
    }
    return pools;
  }

  save(
    pools: Record<string, PoolWorker[]>,
    message: (paths: string[]) => string,
  ): Promise<SavedPools> {
    return this.repo.exclusive(async (tx) => {
      const existing = new Set(await listPoolClouds(this.repo.dir));
      // All at once: each write waits for its file to reach the disk (fsync), and twenty in a
      // row cost a cycle tens of milliseconds. Every write has ended before the commit (or the
      // error) leaves the lock.
      const writes = await Promise.allSettled(
        Object.entries(pools)
          .sort(([a], [b]) => compare(a, b))
          .filter(([cloud, workers]) => workers.length > 0 || existing.has(cloud))
          .map(([cloud, workers]) => writePoolFile(this.repo.dir, { version: 1, cloud, workers })),
      );
      const failed = writes.find((write) => write.status === "rejected");
      if (failed !== undefined) throw failed.reason;
      const paths = (await tx.changed([`${POOL_DIR}/`])).filter(isPoolFile).sort();
      if (paths.length === 0) return { paths };
      const commit = await tx.commitPools(paths, message(paths));
      return commit === undefined ? { paths } : { paths, commit };
    });
  }

  remove(clouds: string[], message: string): Promise<string | undefined> {
    return this.repo.exclusive(async (tx) => {
      const removed: string[] = [];
      for (const cloud of clouds) {
        if (await removePoolFile(this.repo.dir, cloud)) removed.push(poolFileGitPath(cloud));
      }
      return removed.length === 0 ? undefined : tx.commitPools(removed, message);
    });
  }

  gitPath(cloud: string): string {
    return poolFileGitPath(cloud);
  }
}

/** A pool file's git path, not a temp file of an interrupted write. */
function isPoolFile(path: string): boolean {
  return /^pool\/[a-z0-9][a-z0-9-]*\.json$/.test(path);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
