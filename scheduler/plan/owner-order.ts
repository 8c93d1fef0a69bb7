// One owner's jobs in the owner's order (fair-share.ts ownerOrder: higher JobPrio first, then
// oldest, then job id), kept by the demand cache from one cycle to the next. A job that left the
// queue (finished, changed, placed anew) is not taken out each cycle: finding it would mean
// visiting every job of every owner in an order unrelated to where they sit in memory. It is
// skipped where it is read, and the dead are swept out once they outnumber the living. Each
// position keeps the keys its job was placed with, so the queue stays sorted and a new job is
// placed by binary search.

import { compareJobIds } from "./id-order.js";

/** What the queue reads of a job: its order keys as placed, and its id for ties. */
export interface OrderedJob {
  readonly id: string;
  /** A number that orders ids as their text, or -1 (the id text is compared). */
  readonly key: number;
  priority: number;
  queuedAt: number;
}

export class OwnerOrderQueue<E extends OrderedJob> {
  private jobs: E[] = [];
  private priorities: Float64Array = new Float64Array(16);
  private queuedAts: Float64Array = new Float64Array(16);
  /** The cycle each position was placed in: a job placed anew leaves its old position dead. */
  private placedIn: Int32Array = new Int32Array(16);
  private size = 0;

  get length(): number {
    return this.size;
  }

  job(position: number): E {
    return this.jobs[position] as E;
  }

  placedAt(position: number): number {
    return this.placedIn[position] as number;
  }

  /**
   * Places `fresh` (sorted in the owner's order, keys set) with `cycle`: each after every
   * position that does not go after it, as a merge of the two sorted lists would.
   */
  insert(fresh: readonly E[], cycle: number): void {
    const added = fresh.length;
    if (added === 0) return;
    const old = this.size;
    this.reserve(old + added);
    // Room at the end first (overwritten below), so the list never has holes.
    for (let f = 0; f < added; f++) this.jobs.push(fresh[0] as E);
    // Where each fresh job goes among the old positions, found by binary search from the last.
    const at = new Int32Array(added);
    let low = 0;
    for (let f = 0; f < added; f++) {
      low = this.upperBound(fresh[f] as E, low, old);
      at[f] = low;
    }
    // Merge from the back, in place: each old position moves at most once.
    const { jobs, priorities, queuedAts, placedIn } = this;
    let end = old;
    for (let f = added - 1; f >= 0; f--) {
      const from = at[f] as number;
      const shift = f + 1;
      for (let p = end - 1; p >= from; p--) jobs[p + shift] = jobs[p] as E;
      priorities.copyWithin(from + shift, from, end);
      queuedAts.copyWithin(from + shift, from, end);
      placedIn.copyWithin(from + shift, from, end);
      const job = fresh[f] as E;
      const to = from + f;
      jobs[to] = job;
      priorities[to] = job.priority;
      queuedAts[to] = job.queuedAt;
      placedIn[to] = cycle;
      end = from;
    }
    this.size = old + added;
  }

  /** Keeps only the positions `live` says are live, in order. */
  sweep(live: (job: E, placedIn: number) => boolean): void {
    const { jobs, priorities, queuedAts, placedIn } = this;
    let kept = 0;
    for (let p = 0; p < this.size; p++) {
      const job = jobs[p] as E;
      if (!live(job, placedIn[p] as number)) continue;
      jobs[kept] = job;
      priorities[kept] = priorities[p] as number;
      queuedAts[kept] = queuedAts[p] as number;
      placedIn[kept] = placedIn[p] as number;
      kept++;
    }
    jobs.length = kept;
    this.size = kept;
  }

  /** The first position in [from, to) that goes after `job`, or `to`. */
  private upperBound(job: E, from: number, to: number): number {
    let low = from;
    let high = to;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.compareTo(job, mid) < 0) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  /** The owner's order between `job` and the job at `position` with the keys it was placed with. */
  private compareTo(job: E, position: number): number {
    const byPriority = (this.priorities[position] as number) - job.priority;
    if (byPriority) return byPriority;
    const byAge = job.queuedAt - (this.queuedAts[position] as number);
    if (byAge) return byAge;
    return compareJobIds(job, this.jobs[position] as E);
  }

  private reserve(size: number): void {
    if (size <= this.priorities.length) return;
    const capacity = Math.max(size, 2 * this.priorities.length);
    this.priorities = grownTo(this.priorities, capacity);
    this.queuedAts = grownTo(this.queuedAts, capacity);
    const placed = new Int32Array(capacity);
    placed.set(this.placedIn.subarray(0, this.size));
    this.placedIn = placed;
  }
}

function grownTo(values: Float64Array, capacity: number): Float64Array {
  const bigger = new Float64Array(capacity);
  bigger.set(values);
  return bigger;
}
