// The pressure-based ramp (after GlideinWMS): do not boot a worker for an idle job that a busy
// worker of its VM type is expected to take sooner than a new worker could boot. A new worker
// that finds its job already gone is paid for nothing: boot, idle, drain (a quarter of the
// classic rule's boots on the NASA log).
//
// Expected frees use the age of the running jobs, with the heavy-tailed lifetimes measured
// for processes and batch jobs (Harchol-Balter & Downey): a job that has run `age` seconds
// ends within the next `horizon` seconds with probability horizon / (age + horizon). A job is
// held at most `policy.ramp.max_hold` after it became idle, so every job gets a worker
// eventually, whatever the estimate says; `max_hold: 0` turns the ramp off.
import type { Job } from "../../../../scheduler/condor/types.js";
import type { PolicyConfig } from "../../../../scheduler/config/schema.js";
import type { Absorption } from "./capacity.js";
import type { Demand, DemandClass } from "./demand.js";

/** Expected number of running jobs per VM type that end within `horizon` seconds. */
export function expectedFrees(
  jobs: readonly Job[],
  now: number,
  horizon: number,
): Map<string, number> {
  const frees = new Map<string, number>();
  if (horizon <= 0) return frees;
  for (const job of jobs) {
    if (job.state !== "running" || job.vmType === undefined) continue;
    const age = Math.max(0, now - job.stateSince);
    frees.set(job.vmType, (frees.get(job.vmType) ?? 0) + horizon / (age + horizon));
  }
  return frees;
}

/**
 * Holds back, in each group's packing, the wanted new workers whose jobs busy workers are
 * expected to take first: per VM type, round(expected frees) workers, the last-packed
 * (smallest) first, and only workers whose every job has been idle for less than max_hold.
 * Marks them in `packing.held` (provision boots none of them); returns the held jobs per group.
 */
export function rampBoots(
  demand: Demand,
  absorption: Absorption,
  policy: PolicyConfig,
  now: number,
): Map<string, number> {
  const held = new Map<string, number>();
  const maxHold = policy.ramp.max_hold;
  if (maxHold <= 0) return held;
  const frees = expectedFrees(demand.jobs, now, policy.boot_estimate);
  const budget = new Map<string, number>();
  // Rounded: one running job more likely than not to end within the horizon holds one job.
  for (const [vmType, expected] of frees) budget.set(vmType, Math.floor(expected + 0.5));
  for (const packing of absorption.packings) {
    const { group, bins, first, end, covered } = packing;
    const vmType = group.shape.vmType;
    // A held job pays its wait whatever its size; a boot saved pays back by the core: hold only
    // where boots are dear.
    if (group.shape.cores < policy.ramp.min_cores) continue;
    let left = budget.get(vmType) ?? 0;
    if (left <= 0 || first + covered >= end) continue;
    let heldJobs = 0;
    for (let b = end - 1; b >= first + covered && left > 0; b--) {
      let young = true;
      bins.forEachRun(b, (c, from, count) => {
        const classJobs = (group.classes[c] as DemandClass).jobs;
        for (let k = from; k < from + count && young; k++) {
          const job = demand.jobs[classJobs[k] as number] as Job;
          if (now - job.stateSince >= maxHold) young = false;
        }
      });
      if (!young) continue;
      left--;
      heldJobs += bins.items(b);
      packing.held ??= new Set();
      packing.held.add(b);
    }
    budget.set(vmType, left);
    if (heldJobs > 0) held.set(group.key, heldJobs);
  }
  return held;
}
