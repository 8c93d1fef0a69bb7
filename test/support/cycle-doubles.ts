// Doubles for driving runCycle against a real deployer without HTCondor or a git repo: a quiet
// condor, pool files in memory, and a planner that returns a pool chosen by the test (the real
// planner has its own tests; here the deploy path is what is under test).
import type { CondorClient } from "../../scheduler/condor/client.js";
import type { PlanInput, PlanResult } from "../../scheduler/plan/types.js";
import type { PoolWorker } from "../../scheduler/pool/types.js";

export const quietCondor: CondorClient = {
  jobs: async () => [],
  workers: async () => [],
  drain: async () => {},
  peacefulOff: async () => {},
};

export { MemoryPoolFiles } from "../../scheduler/run/memory-pool-files.js";

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
