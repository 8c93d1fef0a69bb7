// Idle demand, classified once. Each idle job of ours goes into a demand class: its group (shape
// and eligible clouds, match.ts) and its size. Jobs of one class are interchangeable for packing;
// they differ only in who owns them, their priority, queue time, id and +VMKeepAlive, which stay
// in per-job arrays. Everything after this step works per class and touches single jobs only
// where a decision turns on them (fair share, keep-alive of a new worker).
//
// Jobs in a class are kept in job id order (text order, as HTCondor prints ids), the order first
// fit packs them in. Sorting 100k ids as text is the costly part, so an id "C.P" of at most 7 and
// 6 digits gets a number that sorts like its text; any other id compares as text.
import type { Job } from "../condor/types.js";
import type { Config } from "../config/schema.js";
import { compareText, JobMatcher, keepAliveOf } from "./match.js";
import { compareSizeDescending } from "./pack.js";
import type { RejectedJob, Shape, Size } from "./types.js";

/** Idle jobs of one group and one size. */
export interface DemandClass {
  size: Size;
  /** Indices into the jobs list, in job id order (equal ids in list order). */
  jobs: Int32Array;
}

/** Idle jobs that can use exactly the same workers: same shape, same eligible clouds. */
export interface ClassGroup {
  /** `shape.key|cloud,cloud` */
  key: string;
  shape: Shape;
  /** Enabled clouds in config that may serve these jobs, sorted (back-off not considered). */
  clouds: string[];
  /** Largest size first (cores, memory, disk): the order first-fit decreasing packs in. */
  classes: DemandClass[];
  jobCount: number;
}

export interface Demand {
  jobs: readonly Job[];
  /** Sorted by key. */
  groups: ClassGroup[];
  /** Sorted by job id. */
  rejected: RejectedJob[];
  /** Per job index: its owner's number in `owners` (matched idle jobs only). */
  owner: Int32Array;
  owners: string[];
  /** Per owner number: its idle jobs in any group (fewer goes first in fair share). */
  idleJobs: number[];
  /** Per job index: +VMKeepAlive in seconds, capped; 0 when unset (matched idle jobs only). */
  keepAlive: Float64Array;
  /** Per job index: a number that orders job ids as their text; equal for equal ids. */
  idOrder: Float64Array;
  /** Per job index: JobPrio and queue time, for owner order (matched idle jobs only). */
  priority: Float64Array;
  queuedAt: Float64Array;
  /**
   * Per owner number, when the classifier keeps it (demand-cache.ts): the owner's jobs in its
   * order (higher JobPrio first, then oldest, then job id). Fair share then walks each owner's
   * jobs only as far as its grants go instead of ordering every waiting job each cycle.
   */
  ownerOrder?: readonly OwnerJobs[];
}

/**
 * One owner's jobs in its order, read by position: some positions hold no job of this cycle
 * (the cache sweeps those out only now and then, owner-order.ts).
 */
export interface OwnerJobs {
  readonly length: number;
  /** The index in `jobs` of the job at `position`, or -1 when the position holds none. */
  indexAt(position: number): number;
}

interface GroupBuilder {
  /** Numbers this group in the class table. */
  number: number;
  group: ClassGroup;
}

export function classifyDemand(config: Config, jobs: readonly Job[]): Demand {
  const matcher = new JobMatcher(config);
  const builderOf: (GroupBuilder | undefined)[] = [];
  const byKey = new Map<string, GroupBuilder>();
  const rejected: RejectedJob[] = [];
  const ownerNumbers = new Map<string, number>();
  const owners: string[] = [];
  const idleJobs: number[] = [];
  const n = jobs.length;
  const owner = new Int32Array(n);
  const keepAlive = new Float64Array(n);
  const priority = new Float64Array(n);
  const queuedAt = new Float64Array(n);
  const idOrder = new Float64Array(n);
  const classes: DemandClass[] = [];
  const table = new ClassTable();
  const classSizes: number[] = [];
  const classOf = new Int32Array(n);
  const matched = new Int32Array(n);
  const sorter = new KeySorter(n);
  let lastOwner: string | undefined;
  let lastOwnerNumber = -1;
  let count = 0;
  let allKeyed = true;

  for (let i = 0; i < n; i++) {
    const job = jobs[i] as Job;
    if (job.state !== "idle" || job.vmType === undefined) continue;
    const placement = matcher.match(job);
    if (typeof placement === "string") {
      rejected.push({ jobId: job.id, owner: job.owner, reason: placement });
      continue;
    }
    let builder = builderOf[placement.number];
    if (builder === undefined) {
      // Placements with one key (e.g. targets listed in another order) share a group.
      builder = byKey.get(placement.key);
      if (builder === undefined) {
        const group = {
          key: placement.key,
          shape: placement.shape,
          clouds: placement.eligible,
          classes: [],
          jobCount: 0,
        };
        builder = { number: byKey.size, group };
        byKey.set(placement.key, builder);
      }
      builderOf[placement.number] = builder;
    }
    const number = classFor(table, builder, job, classes);
    classOf[i] = number;
    classSizes[number] = (classSizes[number] ?? 0) + 1;
    builder.group.jobCount++;
    matched[count++] = i;

    // Jobs come in clusters of one owner: most lookups are the last one again.
    let ownerNumber =
      lastOwnerNumber >= 0 && job.owner === lastOwner
        ? lastOwnerNumber
        : ownerNumbers.get(job.owner);
    if (ownerNumber === undefined) {
      ownerNumber = owners.length;
      ownerNumbers.set(job.owner, ownerNumber);
      owners.push(job.owner);
      idleJobs.push(0);
    }
    lastOwner = job.owner;
    lastOwnerNumber = ownerNumber;
    owner[i] = ownerNumber;
    idleJobs[ownerNumber] = (idleJobs[ownerNumber] as number) + 1;
    if (job.vmKeepAliveMinutes !== undefined) keepAlive[i] = keepAliveOf(job);
    priority[i] = job.priority;
    queuedAt[i] = job.queuedAt;
    const key = idKey(job.id);
    idOrder[i] = key;
    if (key < 0) allKeyed = false;
    else sorter.add(i, key);
  }

  // Jobs in job id order, then (stable) by class: each class's jobs in id order.
  let order: Int32Array = matched.subarray(0, count);
  if (allKeyed) order = sorter.sort(order, idOrder);
  else sortByIdText(jobs, order, idOrder);
  const byClass = new Int32Array(count);
  const start = new Int32Array(classes.length + 1);
  for (let c = 0; c < classes.length; c++) {
    start[c + 1] = (start[c] as number) + (classSizes[c] as number);
  }
  const next = start.slice(0, classes.length);
  for (const i of order) {
    const c = classOf[i] as number;
    byClass[next[c] as number] = i;
    next[c] = (next[c] as number) + 1;
  }
  classes.forEach((demandClass, c) => {
    demandClass.jobs = byClass.subarray(start[c] as number, start[c + 1] as number);
  });

  const groups = [...byKey.values()]
    .map(({ group }) => {
      group.classes.sort((a, b) => compareSizeDescending(a.size, b.size));
      return group;
    })
    .sort((a, b) => compareText(a.key, b.key));
  rejected.sort((a, b) => compareText(a.jobId, b.jobId));
  return {
    jobs,
    groups,
    rejected,
    owner,
    owners,
    idleJobs,
    keepAlive,
    idOrder,
    priority,
    queuedAt,
  };
}

/**
 * The number (in `classes`) of the job's class in its group: its size is what a partitionable
 * slot hands it (see match.ts sizeOf).
 */
function classFor(
  table: ClassTable,
  builder: GroupBuilder,
  job: Job,
  classes: DemandClass[],
): number {
  const cores = Math.max(1, Math.ceil(job.requestCpus));
  const memoryMb = Math.max(0, job.requestMemoryMb);
  const diskKb = Math.max(0, job.requestDiskKb);
  let number = table.find(builder.number, cores, memoryMb, diskKb);
  if (number < 0) {
    const demandClass: DemandClass = { size: { cores, memoryMb, diskKb }, jobs: EMPTY };
    number = classes.length;
    classes.push(demandClass);
    table.add(builder.number, cores, memoryMb, diskKb, number);
    builder.group.classes.push(demandClass);
  }
  return number;
}

/**
 * Class numbers by (group, cores, memory, disk): open addressing over typed arrays, so finding
 * a job's class allocates nothing and hashes no string. Sizes compare as numbers (0 and -0 are
 * one size, as for a Map).
 */
export class ClassTable {
  private capacity = 64;
  private used = 0;
  private keys = new Float64Array(4 * this.capacity);
  private values = new Int32Array(this.capacity).fill(-1);

  find(group: number, cores: number, memoryMb: number, diskKb: number): number {
    const mask = this.capacity - 1;
    for (let slot = hash(group, cores, memoryMb, diskKb) & mask; ; slot = (slot + 1) & mask) {
      const value = this.values[slot] as number;
      if (value < 0) return -1;
      const at = 4 * slot;
      if (
        this.keys[at] === group &&
        this.keys[at + 1] === cores &&
        this.keys[at + 2] === memoryMb &&
        this.keys[at + 3] === diskKb
      )
        return value;
    }
  }

  add(group: number, cores: number, memoryMb: number, diskKb: number, value: number): void {
    if (2 * (this.used + 1) > this.capacity) this.grow();
    this.insert(group, cores, memoryMb, diskKb, value);
    this.used++;
  }

  private insert(group: number, cores: number, memoryMb: number, diskKb: number, value: number) {
    const mask = this.capacity - 1;
    let slot = hash(group, cores, memoryMb, diskKb) & mask;
    while ((this.values[slot] as number) >= 0) slot = (slot + 1) & mask;
    const at = 4 * slot;
    this.keys[at] = group;
    this.keys[at + 1] = cores;
    this.keys[at + 2] = memoryMb;
    this.keys[at + 3] = diskKb;
    this.values[slot] = value;
  }

  private grow(): void {
    const { keys, values } = this;
    this.capacity *= 2;
    this.keys = new Float64Array(4 * this.capacity);
    this.values = new Int32Array(this.capacity).fill(-1);
    for (let slot = 0; slot < values.length; slot++) {
      const value = values[slot] as number;
      if (value < 0) continue;
      const at = 4 * slot;
      this.insert(
        keys[at] as number,
        keys[at + 1] as number,
        keys[at + 2] as number,
        keys[at + 3] as number,
        value,
      );
    }
  }
}

/** Any numbers in, a 32-bit hash out (equal numbers, equal hashes; fractions may collide). */
function hash(group: number, cores: number, memoryMb: number, diskKb: number): number {
  const h = Math.imul(group * 31 + cores, 0x9e3779b1) ^ Math.imul(memoryMb | 0, 0x85ebca6b);
  return (h ^ Math.imul(diskKb | 0, 0xc2b2ae35)) >>> 7;
}

const EMPTY = new Int32Array(0);

/**
 * Sorts job indices by their id keys (non-negative integers below 2^53), stable: a radix sort,
 * least significant 11 bits first (counters that stay in cache), skipping digits all keys
 * share. Keys are split and counted as they are added, in the pass that computes them.
 */
export class KeySorter {
  private readonly low: Uint32Array;
  private readonly high: Uint32Array;
  private readonly counts = new Int32Array(DIGITS * RADIX);

  constructor(size: number) {
    this.low = new Uint32Array(size);
    this.high = new Uint32Array(size);
  }

  add(i: number, key: number): void {
    const high = Math.floor(key / 4_294_967_296);
    const low = key - high * 4_294_967_296;
    this.high[i] = high;
    this.low[i] = low;
    const counts = this.counts;
    counts[low & MASK] = (counts[low & MASK] as number) + 1;
    const d1 = RADIX + ((low >>> 11) & MASK);
    counts[d1] = (counts[d1] as number) + 1;
    const d2 = 2 * RADIX + (low >>> 22);
    counts[d2] = (counts[d2] as number) + 1;
    const d3 = 3 * RADIX + (high & MASK);
    counts[d3] = (counts[d3] as number) + 1;
    const d4 = 4 * RADIX + (high >>> 11);
    counts[d4] = (counts[d4] as number) + 1;
  }

  /** `indices` (every index added, each once) in key order. */
  sort(indices: Int32Array, keys: Float64Array): Int32Array {
    const n = indices.length;
    // A few thousand keys sort faster directly than through five passes.
    if (n < 4096) {
      return Int32Array.from(
        Array.from(indices).sort((a, b) => (keys[a] as number) - (keys[b] as number)),
      );
    }
    const counts = this.counts;
    let from: Int32Array = indices;
    let to: Int32Array = new Int32Array(n);
    for (let digit = 0; digit < DIGITS; digit++) {
      const base = digit * RADIX;
      let shared = false;
      for (let v = base; v < base + RADIX; v++) {
        if (counts[v] === n) shared = true;
        if (counts[v] !== 0) break;
      }
      if (shared) continue;
      let sum = 0;
      for (let v = base; v < base + RADIX; v++) {
        const count = counts[v] as number;
        counts[v] = sum;
        sum += count;
      }
      const words = digit < 3 ? this.low : this.high;
      const shift = SHIFTS[digit] as number;
      for (let k = 0; k < n; k++) {
        const i = from[k] as number;
        const at = base + (((words[i] as number) >>> shift) & MASK);
        to[counts[at] as number] = i;
        counts[at] = (counts[at] as number) + 1;
      }
      [from, to] = [to, from];
    }
    return from;
  }
}

/** Five 11-bit digits: three of a key's low 32 bits (11, 11, 10), two of its high 21. */
const DIGITS = 5;
const RADIX = 2048;
const MASK = RADIX - 1;
const SHIFTS = [0, 11, 22, 0, 11];

/**
 * Sorts `indices` by job id text (stable), where some id has no numeric key, and replaces
 * `order`'s entries for them by their rank (equal ids share one).
 */
function sortByIdText(jobs: readonly Job[], indices: Int32Array, order: Float64Array): void {
  const sorted = Array.from(indices).sort((a, b) => {
    const x = order[a] as number;
    const y = order[b] as number;
    return x >= 0 && y >= 0 ? x - y : compareText((jobs[a] as Job).id, (jobs[b] as Job).id);
  });
  let rank = -1;
  let previous: string | undefined;
  for (const i of sorted) {
    const id = (jobs[i] as Job).id;
    if (id !== previous) rank++;
    order[i] = rank;
    previous = id;
  }
  indices.set(sorted);
}

const CLUSTER_DIGITS = 7;
const PROC_DIGITS = 6;
/** Keys of ProcId parts are below this: (10^6 - 1) * 7 + 6. */
const PROC_KEYS = 7_000_000;
const POWERS_OF_TEN = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000];

/**
 * A number that orders ids "C.P" (C of 1-7 digits, P of 1-6) as their text does, or -1.
 * Text order compares C as digit strings (a prefix first, since '.' sorts before digits), then
 * P: a digit string s of at most L digits sorts like (s padded with zeros to L digits) * (L + 1)
 * + its length.
 */
export function idKey(id: string): number {
  const length = id.length;
  let cluster = 0;
  let i = 0;
  for (; i < length; i++) {
    const c = id.charCodeAt(i);
    if (c === 46) break; // '.'
    if (c < 48 || c > 57) return -1;
    cluster = cluster * 10 + (c - 48);
  }
  const clusterDigits = i;
  const procDigits = length - i - 1;
  if (clusterDigits < 1 || clusterDigits > CLUSTER_DIGITS) return -1;
  if (procDigits < 1 || procDigits > PROC_DIGITS) return -1;
  let proc = 0;
  for (i++; i < length; i++) {
    const c = id.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    proc = proc * 10 + (c - 48);
  }
  const clusterKey =
    cluster * (POWERS_OF_TEN[CLUSTER_DIGITS - clusterDigits] as number) * (CLUSTER_DIGITS + 1) +
    clusterDigits;
  const procKey =
    proc * (POWERS_OF_TEN[PROC_DIGITS - procDigits] as number) * (PROC_DIGITS + 1) + procDigits;
  return clusterKey * PROC_KEYS + procKey;
}
