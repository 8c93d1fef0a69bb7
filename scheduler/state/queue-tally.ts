// What a cycle reads of condor_q's whole answer outside the plan, in one walk: the counts its
// report gives and the running jobs the worker model reads (buildFleet needs no other job).
import type { Job } from "../condor/types.js";

export interface QueueTally {
  idle: number;
  /** The running jobs, in the answer's order. */
  running: Job[];
}

export function tallyJobs(jobs: readonly Job[]): QueueTally {
  let idle = 0;
  const running: Job[] = [];
  // Indexed: a loop V8 has not optimized yet would allocate an iterator result per job.
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i] as Job;
    if (job.state === "idle") idle++;
    else if (job.state === "running") running.push(job);
  }
  return { idle, running };
}
