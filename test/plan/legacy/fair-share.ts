// Fair share between job owners when capacity is short: new workers are handed out round-robin,
// one per owner per round, owners with fewer idle jobs first; so an owner with 1000 idle jobs
// does not starve one with 5. Within an owner: higher JobPrio first, then oldest, then job id.
import { compareText } from "./match.js";
import type { DemandJob } from "./types.js";

export function compareWithinOwner(a: DemandJob, b: DemandJob): number {
  return (
    b.job.priority - a.job.priority ||
    a.job.queuedAt - b.job.queuedAt ||
    compareText(a.job.id, b.job.id)
  );
}

export interface OwnerQueue<B> {
  owner: string;
  /** Idle jobs of the owner that are ours (served or not): fewer goes first each round. */
  idleJobs: number;
  /** The new workers that would serve the owner's jobs, in the owner's job order, no repeats. */
  wanted: B[];
}

export type Grant = "granted" | "denied" | "decided";

/**
 * Offers each owner's wanted workers round-robin. `tryGrant` answers "granted" (room found),
 * "denied" (no room) or "decided" (already granted or denied through another owner); an owner's
 * turn ends at its first grant.
 */
export function grantRoundRobin<B>(queues: OwnerQueue<B>[], tryGrant: (wanted: B) => Grant): void {
  const order = [...queues].sort(
    (a, b) => a.idleJobs - b.idleJobs || compareText(a.owner, b.owner),
  );
  const position = order.map(() => 0);
  let pending = true;
  while (pending) {
    pending = false;
    order.forEach((queue, i) => {
      let at = position[i] as number;
      while (at < queue.wanted.length) {
        const answer = tryGrant(queue.wanted[at] as B);
        at += 1;
        if (answer === "granted") break;
      }
      position[i] = at;
      if (at < queue.wanted.length) pending = true;
    });
  }
}

/** Owner queues for the jobs in `ordered` (any order); `binOf` names the worker a job would use. */
export function ownerQueues<B>(
  demand: readonly DemandJob[],
  idleJobsByOwner: ReadonlyMap<string, number>,
  binOf: (job: DemandJob) => B,
): OwnerQueue<B>[] {
  const byOwner = new Map<string, DemandJob[]>();
  for (const job of demand) {
    const list = byOwner.get(job.job.owner) ?? [];
    list.push(job);
    byOwner.set(job.job.owner, list);
  }
  const queues: OwnerQueue<B>[] = [];
  for (const [owner, jobs] of byOwner) {
    jobs.sort(compareWithinOwner);
    const seen = new Set<B>();
    const wanted: B[] = [];
    for (const job of jobs) {
      const bin = binOf(job);
      if (!seen.has(bin)) {
        seen.add(bin);
        wanted.push(bin);
      }
    }
    queues.push({ owner, idleJobs: idleJobsByOwner.get(owner) ?? jobs.length, wanted });
  }
  return queues;
}
