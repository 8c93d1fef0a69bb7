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
import { compareText, JobMatcher, keepAliveOf, type Placement } from "./match.js";
import { compareSizeDescending } from "./pack.js";
import type { RejectedJob, Shape, Size } from "./types.js";

/** Idle jobs of one group and one size. */
export interface DemandClass {
  size: Size;
  /** Indices into the jobs list, in job id order (equal ids in list order). */
  jobs: number[];
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
  /** Per job index: its place in job id order; equal ids share one (matched idle jobs only). */
  idRank: Int32Array;
  /** Per job index: JobPrio and queue time, for owner order (matched idle jobs only). */
  priority: Float64Array;
  queuedAt: Float64Array;
}

interface GroupBuilder {
  group: ClassGroup;
  /** cores -> memory -> disk -> class */
  bySize: Map<number, Map<number, Map<number, number>>>;
}

export function classifyDemand(config: Config, jobs: readonly Job[]): Demand {
  const matcher = new JobMatcher(config);
  const builders = new Map<Placement, GroupBuilder>();
  const byKey = new Map<string, GroupBuilder>();
  const rejected: RejectedJob[] = [];
  const ownerNumbers = new Map<string, number>();
  const owners: string[] = [];
  const idleJobs: number[] = [];
  const owner = new Int32Array(jobs.length);
  const keepAlive = new Float64Array(jobs.length);
  const priority = new Float64Array(jobs.length);
  const queuedAt = new Float64Array(jobs.length);
  const classes: DemandClass[] = [];
  const classOf = new Int32Array(jobs.length);
  const matched: number[] = [];

  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i] as Job;
    if (job.state !== "idle" || job.vmType === undefined) continue;
    const placement = matcher.match(job);
    if (typeof placement === "string") {
      rejected.push({ jobId: job.id, owner: job.owner, reason: placement });
      continue;
    }
    let builder = builders.get(placement);
    if (builder === undefined) {
      // Placements with one key (e.g. targets listed in another order) share a group.
      builder = byKey.get(placement.key);
      if (builder === undefined) {
        builder = {
          group: {
            key: placement.key,
            shape: placement.shape,
            clouds: placement.eligible,
            classes: [],
            jobCount: 0,
          },
          bySize: new Map(),
        };
        byKey.set(placement.key, builder);
      }
      builders.set(placement, builder);
    }
    classOf[i] = classFor(builder, job, classes);
    builder.group.jobCount++;
    matched.push(i);

    let number = ownerNumbers.get(job.owner);
    if (number === undefined) {
      number = owners.length;
      ownerNumbers.set(job.owner, number);
      owners.push(job.owner);
      idleJobs.push(0);
    }
    owner[i] = number;
    idleJobs[number] = (idleJobs[number] as number) + 1;
    if (job.vmKeepAliveMinutes !== undefined) keepAlive[i] = keepAliveOf(job);
    priority[i] = job.priority;
    queuedAt[i] = job.queuedAt;
  }

  const idRank = new Int32Array(jobs.length);
  sortByJobId(jobs, matched, idRank);
  for (const i of matched) (classes[classOf[i] as number] as DemandClass).jobs.push(i);

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
    idRank,
    priority,
    queuedAt,
  };
}

/**
 * The number (in `classes`) of the job's class in its group: its size is what a partitionable
 * slot hands it (see match.ts sizeOf).
 */
function classFor(builder: GroupBuilder, job: Job, classes: DemandClass[]): number {
  const cores = Math.max(1, Math.ceil(job.requestCpus));
  const memoryMb = Math.max(0, job.requestMemoryMb);
  const diskKb = Math.max(0, job.requestDiskKb);
  let byMemory = builder.bySize.get(cores);
  if (byMemory === undefined) {
    byMemory = new Map();
    builder.bySize.set(cores, byMemory);
  }
  let byDisk = byMemory.get(memoryMb);
  if (byDisk === undefined) {
    byDisk = new Map();
    byMemory.set(memoryMb, byDisk);
  }
  let number = byDisk.get(diskKb);
  if (number === undefined) {
    const demandClass: DemandClass = { size: { cores, memoryMb, diskKb }, jobs: [] };
    number = classes.length;
    classes.push(demandClass);
    byDisk.set(diskKb, number);
    builder.group.classes.push(demandClass);
  }
  return number;
}

/**
 * Sorts `indices` by job id (text order, stable) and writes each job's rank in that order to
 * `rank` (equal ids share one).
 */
function sortByJobId(jobs: readonly Job[], indices: number[], rank: Int32Array): void {
  const keys = new Float64Array(jobs.length);
  let allNumeric = true;
  for (const i of indices) {
    const key = idKey((jobs[i] as Job).id);
    keys[i] = key;
    if (key < 0) allNumeric = false;
  }
  if (allNumeric) {
    indices.sort((a, b) => (keys[a] as number) - (keys[b] as number));
  } else {
    indices.sort((a, b) => {
      const x = keys[a] as number;
      const y = keys[b] as number;
      return x >= 0 && y >= 0 ? x - y : compareText((jobs[a] as Job).id, (jobs[b] as Job).id);
    });
  }
  let r = -1;
  let previous: string | undefined;
  for (const i of indices) {
    const id = (jobs[i] as Job).id;
    if (id !== previous) r++;
    rank[i] = r;
    previous = id;
  }
}

const CLUSTER_DIGITS = 7;
const PROC_DIGITS = 6;
/** Keys of ProcId parts are below this: (10^6 - 1) * 7 + 6. */
const PROC_KEYS = 7_000_000;

/**
 * A number that orders ids "C.P" (C of 1-7 digits, P of 1-6) as their text does, or -1.
 * Text order compares C as digit strings (a prefix first, since '.' sorts before digits), then
 * P: a digit string s of at most L digits sorts like (s padded with zeros to L digits) * (L + 1)
 * + its length.
 */
export function idKey(id: string): number {
  const dot = id.indexOf(".");
  if (dot < 1 || dot > CLUSTER_DIGITS || id.length - dot - 1 < 1) return -1;
  if (id.length - dot - 1 > PROC_DIGITS) return -1;
  const cluster = digitKey(id, 0, dot, CLUSTER_DIGITS);
  const proc = digitKey(id, dot + 1, id.length, PROC_DIGITS);
  return cluster < 0 || proc < 0 ? -1 : cluster * PROC_KEYS + proc;
}

function digitKey(text: string, from: number, to: number, width: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  for (let i = to - from; i < width; i++) value *= 10;
  return value * (width + 1) + (to - from);
}
