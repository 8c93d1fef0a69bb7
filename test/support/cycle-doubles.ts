// Doubles for driving runCycle against a real deployer without HTCondor or a git repo: a quiet
// condor, pool files in memory, and a planner that returns a pool chosen by the test (the real
// planner has its own tests; here the deploy path is what is under test).
import type { CondorClient } from "../../scheduler/condor/client.js";
import type { PlanInput, PlanResult } from "../../scheduler/plan/types.js";
import type { PoolWorker } from "../../scheduler/pool/types.js";
import type { PoolFiles } from "../../scheduler/run/pool-files.js";

export const quietCondor: CondorClient = {
  jobs: async () => [],
  workers: async () => [],
  drain: async () => {},
  peacefulOff: async () => {},
};

export class MemoryPoolFiles implements PoolFiles {
  readonly pools = new Map<string, PoolWorker[]>();
  readonly commits: string[] = [];

  async readAll(configClouds: string[]): Promise<Record<string, PoolWorker[]>> {
    const clouds = [...new Set([...configClouds, ...this.pools.keys()])].sort();
    return Object.fromEntries(clouds.map((c) => [c, structuredClone(this.pools.get(c) ?? [])]));
  }

  async writeChanged(pools: Record<string, PoolWorker[]>): Promise<string[]> {
    const changed: string[] = [];
    for (const [cloud, workers] of Object.entries(pools)) {
      if (JSON.stringify(this.pools.get(cloud) ?? []) === JSON.stringify(workers)) continue;
      this.pools.set(cloud, structuredClone(workers));
      changed.push(this.gitPath(cloud));
    }
    return changed;
  }

  async commit(paths: string[], message: string): Promise<string | undefined> {
    if (paths.length === 0) return undefined;
    this.commits.push(message);
    return `commit-${this.commits.length}`;
  }

  async remove(cloud: string): Promise<void> {
    this.pools.delete(cloud);
  }

  gitPath(cloud: string): string {
    return `pool/${cloud}.json`;
  }
}

/** A planner whose desired pool for `cloud` is whatever `desired()` says at the time. */
export function fixedPlanner(
  cloud: string,
  desired: () => PoolWorker[],
): (input: PlanInput) => PlanResult {
  return () => ({
    pools: { [cloud]: structuredClone(desired()) },
    retire: [],
    decisions: [],
    rejectedJobs: [],
    summary: { [cloud]: `${cloud}: ${desired().length} worker(s) wanted by the test` },
  });
}
