// The pool files of the config repo as the cycle uses them: read all, write the changed ones,
// commit. One narrow interface so tests and the simulator can keep pools elsewhere.
import type { ConfigRepo } from "../pool/repo.js";
import {
  listPoolClouds,
  poolFileGitPath,
  readPoolFile,
  removePoolFile,
  writePoolFile,
} from "../pool/store.js";
import type { PoolWorker } from "../pool/types.js";

export interface PoolFiles {
  /** Every pool: the configured clouds plus any cloud that still has a pool file. */
  readAll(configClouds: string[]): Promise<Record<string, PoolWorker[]>>;
  /** Writes the pools whose content changed; returns their git paths. */
  writeChanged(pools: Record<string, PoolWorker[]>): Promise<string[]>;
  /** Commits the given paths; returns the commit, or undefined when nothing changed. */
  commit(paths: string[], message: string): Promise<string | undefined>;
  remove(cloud: string): Promise<void>;
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

  async writeChanged(pools: Record<string, PoolWorker[]>): Promise<string[]> {
    const changed: string[] = [];
    for (const [cloud, workers] of Object.entries(pools).sort(([a], [b]) => a.localeCompare(b))) {
      if (await writePoolFile(this.repo.dir, { version: 1, cloud, workers })) {
        changed.push(poolFileGitPath(cloud));
      }
    }
    return changed;
  }

  commit(paths: string[], message: string): Promise<string | undefined> {
    return this.repo.commitPools(paths, message);
  }

  async remove(cloud: string): Promise<void> {
    await removePoolFile(this.repo.dir, cloud);
  }

  gitPath(cloud: string): string {
    return poolFileGitPath(cloud);
  }
}
