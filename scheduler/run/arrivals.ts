// The jobs that arrived, per VM type, over the keep-alive window: what the arrival-rate
// keep-alive modes (scheduler/plan/keep-alive.ts) need and condor_q alone cannot give, because
// a job that has finished is gone from the queue. Every cycle's queue is recorded here: a job
// counts once, when first seen, at its submit time (QDate, so the backlog found at start-up
// counts when it was submitted, not all at once); jobs that have since finished stay counted
// until their submit time leaves the window. Kept in the cycle memory only (a restart starts
// afresh from the queue); bounded in time (the window) and in size (MAX_ARRIVALS_PER_TYPE per
// VM type, and only VM types of the config: +VMType is untrusted text).
import type { Job } from "../condor/types.js";
import type { ArrivalHistory } from "../plan/types.js";

/** Most arrivals kept per VM type; past it the oldest go and the rate covers what is kept. */
export const MAX_ARRIVALS_PER_TYPE = 50_000;

interface Arrival {
  id: string;
  at: number;
}

/** One VM type's arrivals, oldest first (a ring of sorted times: expiry drops from the head). */
class TypeArrivals {
  private items: Arrival[] = [];
  private head = 0;
  /** The latest time of an arrival dropped for size (not time): counts before it are short. */
  trimmedAt: number | undefined;

  get size(): number {
    return this.items.length - this.head;
  }

  add(arrival: Arrival): void {
    // Submit times come nearly in order; insert from the end to keep them sorted.
    let i = this.items.length;
    while (i > this.head && (this.items[i - 1] as Arrival).at > arrival.at) i--;
    this.items.splice(i, 0, arrival);
  }

  /** Drops arrivals at or before `from`, and the oldest past `max`; returns the ids dropped. */
  expire(from: number, max: number): string[] {
    const dropped: string[] = [];
    while (this.head < this.items.length) {
      const first = this.items[this.head] as Arrival;
      if (first.at > from && this.size <= max) break;
      if (first.at > from) this.trimmedAt = first.at;
      dropped.push(first.id);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.trimmedAt !== undefined && this.trimmedAt <= from) this.trimmedAt = undefined;
    return dropped;
  }

  /** Submit times after `t` and at or before `until`, oldest first. */
  timesAfter(t: number, until: number): number[] {
    const out: number[] = [];
    for (let i = this.firstAfter(t); i < this.items.length; i++) {
      const at = (this.items[i] as Arrival).at;
      if (at > until) break;
      out.push(at);
    }
    return out;
  }

  /** The first time after `after` a kept arrival leaves a window of `window` seconds. */
  nextExpiry(after: number, window: number): number | undefined {
    const first = this.items[this.firstAfter(after - window)];
    return first === undefined ? undefined : first.at + window;
  }

  /** Index of the first kept arrival after `t` (the kept ones are sorted). */
  private firstAfter(t: number): number {
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.items[mid] as Arrival).at <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export class ArrivalRecord {
  private readonly byType = new Map<string, TypeArrivals>();
  /** Ids counted and still in the window, or in the last queue seen: never counted again. */
  private readonly counted = new Set<string>();
  /** Ids of the last queue seen (a job stays in `counted` while it is queued). */
  private queued = new Set<string>();

  constructor(private readonly maxPerType = MAX_ARRIVALS_PER_TYPE) {}

  /**
   * Records the jobs of one condor_q answer: each job of a known VM type not counted before
   * counts once, at its submit time (never later than `now`), if that is within the window
   * (now - window, now]; an arrival at `a` counts until a + window.
   */
  observe(
    jobs: readonly Job[],
    now: number,
    window: number,
    isKnownType: (vmType: string) => boolean,
  ): void {
    const from = now - window;
    const queued = new Set<string>();
    for (const job of jobs) {
      const vmType = job.vmType;
      if (vmType === undefined || !isKnownType(vmType)) continue;
      queued.add(job.id);
      if (this.counted.has(job.id) || this.queued.has(job.id)) continue;
      const at = Math.min(job.queuedAt, now);
      if (at <= from) continue;
      let arrivals = this.byType.get(vmType);
      if (arrivals === undefined) {
        arrivals = new TypeArrivals();
        this.byType.set(vmType, arrivals);
      }
      arrivals.add({ id: job.id, at });
      this.counted.add(job.id);
    }
    for (const [vmType, arrivals] of this.byType) {
      for (const id of arrivals.expire(from, this.maxPerType)) {
        // Still queued: the last-queue set keeps it from being counted again.
        this.counted.delete(id);
      }
      if (arrivals.size === 0) this.byType.delete(vmType);
    }
    this.queued = queued;
  }

  /**
   * Per VM type, the submit times of the jobs that arrived over the window ending at `now`,
   * oldest first, and the moment they are complete from: `now - window`, or later when the size
   * bound dropped older ones (then from the last one dropped).
   */
  history(now: number, window: number): Map<string, ArrivalHistory> {
    const out = new Map<string, ArrivalHistory>();
    if (window <= 0) return out;
    for (const [vmType, arrivals] of this.byType) {
      const trimmedAt = arrivals.trimmedAt;
      const since = trimmedAt !== undefined && trimmedAt > now - window ? trimmedAt : now - window;
      const times = arrivals.timesAfter(since, now);
      if (times.length > 0) out.set(vmType, { since, times });
    }
    return out;
  }

  /** The first moment after `after` an arrival leaves the window (the history changes then). */
  nextExpiry(after: number, window: number): number | undefined {
    let soonest: number | undefined;
    for (const arrivals of this.byType.values()) {
      const t = arrivals.nextExpiry(after, window);
      if (t !== undefined && (soonest === undefined || t < soonest)) soonest = t;
    }
    return soonest;
  }

  /** Arrivals kept, all VM types (for tests and status). */
  get size(): number {
    let n = 0;
    for (const arrivals of this.byType.values()) n += arrivals.size;
    return n;
  }
}
