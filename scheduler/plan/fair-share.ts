// Fair share between job owners when capacity is short: new workers are handed out round-robin,
// one per owner per round, owners with fewer idle jobs first; so an owner with 1000 idle jobs
// does not starve one with 5. Within an owner: higher JobPrio first, then oldest, then job id.

import type { OwnerJobs } from "./demand.js";
import { compareText } from "./match.js";

/** Per job number: what an owner's job order looks at. */
export interface JobOrderKeys {
  priority: Float64Array;
  queuedAt: Float64Array;
  /** A number that orders job ids as their text; equal for equal ids. */
  idOrder: Float64Array;
}

/**
 * An owner's job order, for job numbers: higher JobPrio first, then oldest, then job id, then
 * `tie` (the order the jobs were packed in, for jobs with one id).
 */
export function ownerOrder(keys: JobOrderKeys, tie: Int32Array): (a: number, b: number) => boolean {
  const { priority, queuedAt, idOrder } = keys;
  return (a, b) => {
    const byPriority = (priority[b] as number) - (priority[a] as number);
    if (byPriority) return byPriority < 0;
    const byAge = (queuedAt[a] as number) - (queuedAt[b] as number);
    if (byAge) return byAge < 0;
    const byId = (idOrder[a] as number) - (idOrder[b] as number);
    if (byId) return byId < 0;
    return (tie[a] as number) < (tie[b] as number);
  };
}

export interface OwnerQueue<B> {
  owner: string;
  /** Idle jobs of the owner that are ours (served or not): fewer goes first each round. */
  idleJobs: number;
  /** The new workers that would serve the owner's jobs, in the owner's job order, no repeats. */
  wanted: B[];
}

export type Grant = "granted" | "denied" | "decided";

/** What an owner's turn walks: the new workers it wants, in its order, handed out as asked. */
export interface Wanted<B> {
  /** The next wanted worker, or undefined when there is none. */
  next(): B | undefined;
  /** Nothing is left to walk. */
  done(): boolean;
}

export interface OwnerTurns<B> {
  owner: string;
  idleJobs: number;
  wanted: Wanted<B>;
}

/**
 * Offers each owner's wanted workers round-robin. `tryGrant` answers "granted" (room found),
 * "denied" (no room) or "decided" (already granted or denied through another owner); an owner's
 * turn ends at its first grant.
 */
export function grantRoundRobin<B>(queues: OwnerQueue<B>[], tryGrant: (wanted: B) => Grant): void {
  grantInTurns(
    queues.map(({ owner, idleJobs, wanted }) => ({ owner, idleJobs, wanted: listed(wanted) })),
    tryGrant,
  );
}

/**
 * grantRoundRobin over queues that produce their wanted workers as they are walked. `over`
 * (optional) ends the walk early once no more can be granted: every later offer would be
 * denied, so the caller settles what is left at once.
 */
export function grantInTurns<B>(
  queues: OwnerTurns<B>[],
  tryGrant: (wanted: B) => Grant,
  over: () => boolean = () => false,
): void {
  const order = [...queues].sort(
    (a, b) => a.idleJobs - b.idleJobs || compareText(a.owner, b.owner),
  );
  let pending = true;
  while (pending) {
    pending = false;
    for (const queue of order) {
      if (over()) return;
      for (;;) {
        const wanted = queue.wanted.next();
        if (wanted === undefined || tryGrant(wanted) === "granted") break;
      }
      if (!queue.wanted.done()) pending = true;
    }
  }
}

function listed<B>(items: readonly B[]): Wanted<B> {
  let at = 0;
  return {
    next: () => (at < items.length ? items[at++] : undefined),
    done: () => at >= items.length,
  };
}

/**
 * A binary heap of numbers kept in a typed array (changed in place), `before` first. Built
 * lazily: until the first pop only the first item is known (one scan), since most of an owner's
 * per-group heaps are never popped in a plan that runs out of room long before its queues do.
 */
class Heap {
  private size: number;
  private built = false;

  constructor(
    private readonly items: Int32Array,
    private readonly before: (a: number, b: number) => boolean,
  ) {
    this.size = items.length;
    let first = 0;
    for (let i = 1; i < this.size; i++) {
      if (before(items[i] as number, items[first] as number)) first = i;
    }
    if (first !== 0) {
      const top = items[first] as number;
      items[first] = items[0] as number;
      items[0] = top;
    }
  }

  get top(): number | undefined {
    return this.size > 0 ? (this.items[0] as number) : undefined;
  }

  pop(): void {
    this.build();
    this.size--;
    if (this.size === 0) return;
    this.items[0] = this.items[this.size] as number;
    this.down(0);
  }

  /** The top item's key changed: move it to its place. */
  settleTop(): void {
    this.build();
    if (this.size > 0) this.down(0);
  }

  /** Items 1.. are in any order under the first until now: make them a heap. */
  private build(): void {
    if (this.built) return;
    for (let i = (this.size >> 1) - 1; i >= 1; i--) this.down(i);
    this.built = true;
  }

  private down(from: number): void {
    const items = this.items;
    const size = this.size;
    const item = items[from] as number;
    let at = from;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && this.before(items[right] as number, items[child] as number))
        child = right;
      if (!this.before(items[child] as number, item)) break;
      items[at] = items[child] as number;
      at = child;
    }
    items[at] = item;
  }
}

/** One owner's waiting jobs of one group, for the owner's queue. */
export interface JobStream {
  /** Job numbers; the queue reorders them in place. */
  jobs: Int32Array;
  /** False once the group can get no more workers: its jobs are skipped unseen. */
  open(): boolean;
}

/**
 * One owner's queue, produced as it is walked: the owner's waiting jobs in its order (`before`),
 * kept as one heap per group and merged, so a group that ran out of room drops out at once
 * instead of job by job. `wantedOf` names the new worker a job would use, or undefined when that
 * worker is already decided (granted, or its group denied): the job is passed over, as the
 * round-robin would pass over the decided worker.
 */
export class OwnerJobQueue<B> implements Wanted<B> {
  private readonly heaps: Heap[];
  /** Stream numbers, ordered by their first job. */
  private readonly heads: Heap;

  constructor(
    private readonly streams: readonly JobStream[],
    before: (a: number, b: number) => boolean,
    private readonly wantedOf: (job: number) => B | undefined,
  ) {
    this.heaps = streams.map((stream) => new Heap(stream.jobs, before));
    const heaps = this.heaps;
    const live = streams.flatMap((stream, i) => (stream.jobs.length > 0 ? [i] : []));
    this.heads = new Heap(Int32Array.from(live), (a, b) =>
      before((heaps[a] as Heap).top as number, (heaps[b] as Heap).top as number),
    );
  }

  next(): B | undefined {
    for (;;) {
      const s = this.heads.top;
      if (s === undefined) return undefined;
      const heap = this.heaps[s] as Heap;
      if (!(this.streams[s] as JobStream).open()) {
        this.heads.pop();
        continue;
      }
      const job = heap.top as number;
      heap.pop();
      if (heap.top === undefined) this.heads.pop();
      else this.heads.settleTop();
      const wanted = this.wantedOf(job);
      if (wanted !== undefined) return wanted;
    }
  }

  done(): boolean {
    return this.heads.top === undefined;
  }
}

/**
 * One owner's queue over its jobs already in the owner's order (kept across cycles by the
 * demand cache), walked only as far as the owner's turns go: the same wanted workers, in the
 * same order, as OwnerJobQueue over the same jobs, without ordering the jobs it never reaches.
 */
export class OrderedJobQueue implements Wanted<number> {
  private at = 0;

  constructor(
    /** The owner's jobs in its order, by index into the jobs list. */
    private readonly jobs: OwnerJobs,
    /** Per job index: the new worker it waits for, or -1 (absorbed, covered, held, not idle). */
    private readonly workerOf: Int32Array,
    /** How many of the owner's jobs wait for a new worker (the walk ends past the last). */
    private left: number,
    /** Whether a worker can still be granted: not decided, its group not out of room. */
    private readonly wanted: (worker: number) => boolean,
  ) {}

  next(): number | undefined {
    const jobs = this.jobs;
    while (this.left > 0 && this.at < jobs.length) {
      const index = jobs.indexAt(this.at++);
      if (index < 0) continue;
      const worker = this.workerOf[index] as number;
      if (worker < 0) continue;
      this.left--;
      if (this.wanted(worker)) return worker;
    }
    this.left = 0;
    return undefined;
  }

  done(): boolean {
    return this.left === 0;
  }
}
