// What one simulated run measured, and the small statistics the report needs.

import type { PaidUse, WaitCause } from "./accounting.js";

export interface RunMetrics {
  policy: string;
  jobs: { submitted: number; finished: number; unfinished: number };
  /** Seconds from submit to start, over finished jobs. */
  wait: { mean: number; p95: number; max: number };
  /** Core-hours the jobs used (their cores x run time). */
  jobCoreHours: number;
  /** Core-hours of VMs paid, from create request to delete. */
  paidCoreHours: number;
  /** jobCoreHours / paidCoreHours. */
  utilisation: number;
  peakWorkers: number;
  boots: number;
  /** Boots whose VM joined and was deleted without running a job. */
  unusedBoots: number;
  /** Boots whose VM was deleted before it joined (cancelled), failed ones aside. */
  cancelledBoots: number;
  /** Startds refused because their worker was fenced before it joined (then deleted unjoined). */
  fencedJoins: number;
  drains: number;
  deployOps: { ups: number; changing: number; failed: number; destroys: number };
  quotaHits: number;
  failures: {
    apiErrors: number;
    instanceErrors: number;
    neverJoined: number;
    /** Workers the plan gave up on after boot_timeout. */
    bootTimeouts: number;
    cycleErrors: number;
    retireFailures: number;
    /** Failed `up`s by error kind (program, quota-exceeded, cloud-unreachable...). */
    deploys: Record<string, number>;
    /** Jobs whose worker was deleted under them: must stay 0. */
    jobsEvicted: number;
  };
  /** Mean seconds per started job, by what it waited for (sums to the mean wait). */
  waitBreakdown: Record<WaitCause, number>;
  /** Paid core-hours by what the VMs were doing (sums to paidCoreHours). */
  paidBreakdown: Record<PaidUse, number>;
  /** Most workers a pool file held above its cloud's configured quota (0 = never over). */
  poolOverQuota: number;
  /** Set when the run stopped because a job waited a day with none running (the policy is stuck). */
  stalledAt?: number;
  cycles: number;
  /** Simulated seconds from the first cycle to the end. */
  simulatedSeconds: number;
  commits: number;
}

export interface Series {
  /** Unix seconds of each sample. */
  t: number[];
  idle: number[];
  running: number[];
  /** Instances that exist, per cloud. */
  workers: Record<string, number[]>;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return 0;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}
