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
import type { Job } from "../condor/types.js";
import type { PolicyConfig } from "../config/schema.js";
import type { Bin } from "./pack.js";
import type { DemandGroup, DemandJob } from "./types.js";

export interface RampResult {
  /** Per group key: the new workers still to boot. */
  wanted: Map<string, Bin<DemandJob>[]>;
  /** Per group key: idle jobs held back for busy workers expected to free up. */
  held: Map<string, number>;
}

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
 * Drops from each group's wanted workers those whose jobs busy workers are expected to take
 * first: per VM type, floor(expected frees) workers, the last-packed (smallest) first, and only
 * workers whose every job has been idle for less than max_hold.
 */
export function rampBoots(
  groups: readonly DemandGroup[],
  wanted: ReadonlyMap<string, Bin<DemandJob>[]>,
  jobs: readonly Job[],
  policy: PolicyConfig,
  now: number,
): RampResult {
  const out = new Map<string, Bin<DemandJob>[]>(wanted);
  const held = new Map<string, number>();
  const maxHold = policy.ramp.max_hold;
  if (maxHold <= 0) return { wanted: out, held };
  const frees = expectedFrees(jobs, now, policy.boot_estimate);
  const budget = new Map<string, number>();
  // Rounded: one running job more likely than not to end within the horizon holds one job.
  for (const [vmType, expected] of frees) budget.set(vmType, Math.floor(expected + 0.5));
  for (const group of groups) {
    const vmType = group.shape.vmType;
    // A held job pays its wait whatever its size; a boot saved pays back by the core: hold only
    // where boots are dear.
    if (group.shape.cores < policy.ramp.min_cores) continue;
    let left = budget.get(vmType) ?? 0;
    const bins = out.get(group.key);
    if (left <= 0 || !bins || bins.length === 0) continue;
    const kept: Bin<DemandJob>[] = [];
    let heldJobs = 0;
    for (let i = bins.length - 1; i >= 0; i--) {
      const bin = bins[i] as Bin<DemandJob>;
      const young = bin.items.every((d) => now - d.job.stateSince < maxHold);
      if (left > 0 && young) {
        left--;
        heldJobs += bin.items.length;
      } else kept.push(bin);
    }
    budget.set(vmType, left);
    out.set(group.key, kept.reverse());
    if (heldJobs > 0) held.set(group.key, heldJobs);
  }
  return { wanted: out, held };
}
