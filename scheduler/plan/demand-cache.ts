// Demand classes carried from one cycle to the next. A job's demand class depends only on its own
// attributes and on the config, so a job seen last cycle with the same attributes keeps its
// class, its rejection and its place in job id order: a steady cycle classifies only new and
// changed jobs and sorts only ids it has not ordered before, merged into last cycle's order.
//
// condor_q lists the queue in the same order every cycle, so a job's entry is found by walking
// last cycle's list beside this one (one string comparison, no hashing); a short look-ahead steps
// over finished jobs, and a map by id, built only when the lists part further, finds the rest. A
// job not found is classified as new: always right, only slower. The result is the Demand
// classifyDemand returns for the same jobs (same groups, classes, job order in each class,
// rejections and owner order); a property test plans with and without the cache and compares.
// Memory is bounded: entries of jobs no longer listed are dropped each cycle, and the tables of
// groups and classes start afresh when they hold far more than the queue uses.
import type { Job } from "../condor/types.js";
import type { Config } from "../config/schema.js";
import {
  type ClassGroup,
  ClassTable,
  classifyDemand,
  type Demand,
  type DemandClass,
  idKey,
  KeySorter,
} from "./demand.js";
import { compareText, JobMatcher, keepAliveOf } from "./match.js";
import { compareSizeDescending } from "./pack.js";
import type { RejectedJob, Shape, Size } from "./types.js";

interface CachedGroup {
  number: number;
  key: string;
  shape: Shape;
  clouds: string[];
}

interface CachedClass {
  number: number;
  group: CachedGroup;
  size: Size;
}

interface OwnerRecord {
  name: string;
  /** The cycle that last numbered it, and its number in that cycle's Demand.owners. */
  cycle: number;
  number: number;
}

/** What classification reads of a job, as last seen (copied: a caller may reuse its objects). */
interface Seen {
  state: Job["state"];
  vmType: string | undefined;
  owner: string;
  requestCpus: number;
  requestMemoryMb: number;
  requestDiskKb: number;
  vmImage: string | undefined;
  vmFlavor: string | undefined;
  vmCores: number | undefined;
  vmMemoryMb: number | undefined;
  vmStorageGb: number | undefined;
  vmKeepAliveMinutes: number | undefined;
  targetClouds: string[] | undefined;
}

interface Entry extends Seen {
  id: string;
  /** This cycle's listing of the job (priority and queue time are read from it). */
  job: Job;
  /** Its class, why it is rejected, or undefined: it creates no demand (not idle, not ours). */
  outcome: CachedClass | string | undefined;
  /** The owner, for a job with a class. */
  ownerRecord: OwnerRecord | undefined;
  /** +VMKeepAlive in seconds, capped (keepAliveOf). */
  keepAlive: number;
  /** idKey(id): a number that orders ids as text, or -1 (then the id text is compared). */
  key: number;
  /** The cycle it was last listed in, and its index in that cycle's list. */
  cycle: number;
  index: number;
  /** In `order`: its place in id order is known. */
  ordered: boolean;
}

/** How far past a missing job the walk looks for the next one before it uses a map. */
const LOOK_AHEAD = 16;
/** Tables of groups and classes start afresh past this many beyond what the queue uses. */
const SPARE_CLASSES = 1024;

export class DemandCache {
  private fingerprint: string | undefined;
  /** The config of the cycle being classified. */
  private config: Config | undefined;
  private cycle = 0;
  /** Last cycle's entries in list order. */
  private entries: Entry[] = [];
  /** Last cycle's entries with an outcome, in job id order. */
  private order: Entry[] = [];
  private readonly groups = new Map<string, CachedGroup>();
  private classes: CachedClass[] = [];
  private table = new ClassTable();
  private readonly owners = new Map<string, OwnerRecord>();
  /** Set at the end of a cycle whose tables hold far more than its queue uses. */
  private bloated = false;
  /** This cycle's matcher (made on the first job that needs it) and its placements' groups. */
  private matcher: JobMatcher | undefined;
  private groupOfPlacement: (CachedGroup | undefined)[] = [];

  /** The same Demand as classifyDemand(config, jobs), reusing what earlier cycles classified. */
  classify(config: Config, jobs: readonly Job[]): Demand {
    this.prepare(config);
    this.config = config;
    const cycle = ++this.cycle;
    const n = jobs.length;
    const previous = this.entries;
    const current: Entry[] = new Array(n);
    const fresh: Entry[] = [];
    let byId: Map<string, Entry> | undefined;
    let k = 0;
    let misses = 0;
    for (let i = 0; i < n; i++) {
      const job = jobs[i] as Job;
      const id = job.id;
      let entry = previous[k];
      if (entry !== undefined && entry.id === id) {
        k++;
        misses = 0;
      } else {
        entry = undefined;
        const end = Math.min(previous.length, k + 1 + LOOK_AHEAD);
        for (let j = k + 1; j < end; j++) {
          if ((previous[j] as Entry).id === id) {
            entry = previous[j];
            k = j + 1;
            break;
          }
        }
        // Two misses in a row: the lists parted further than the look-ahead; find by id.
        if (entry === undefined && k < previous.length && ++misses >= 2) {
          byId ??= indexById(previous);
          entry = byId.get(id);
          if (entry !== undefined && entry.cycle !== cycle) k = entry.index + 1;
        }
        if (entry !== undefined) misses = 0;
      }
      if (entry === undefined) {
        entry = {
          id,
          job,
          outcome: undefined,
          ownerRecord: undefined,
          keepAlive: 0,
          key: idKey(id),
          cycle,
          index: i,
          ordered: false,
          ...seenOf(job),
        };
        this.classifyEntry(entry, job);
      } else {
        // The same id twice in one answer: classifyDemand knows how to order those.
        if (entry.cycle === cycle) return this.giveUp(config, jobs);
        if (!sameDemand(entry, job)) {
          Object.assign(entry, seenOf(job));
          this.classifyEntry(entry, job);
        }
        entry.job = job;
        entry.cycle = cycle;
        entry.index = i;
      }
      if (entry.outcome !== undefined && !entry.ordered) fresh.push(entry);
      current[i] = entry;
    }
    this.entries = current;
    this.config = undefined;
    this.matcher = undefined;
    this.groupOfPlacement = [];

    // Per job, in list order: owners are numbered as classifyDemand numbers them.
    const owner = new Int32Array(n);
    const keepAlive = new Float64Array(n);
    const priority = new Float64Array(n);
    const queuedAt = new Float64Array(n);
    const idOrder = new Float64Array(n);
    const counts = new Int32Array(this.classes.length);
    const owners: string[] = [];
    const idleJobs: number[] = [];
    for (let i = 0; i < n; i++) {
      const entry = current[i] as Entry;
      const outcome = entry.outcome;
      if (outcome === undefined || typeof outcome === "string") continue;
      counts[outcome.number] = (counts[outcome.number] as number) + 1;
      const record = entry.ownerRecord as OwnerRecord;
      if (record.cycle !== cycle) {
        record.cycle = cycle;
        record.number = owners.length;
        owners.push(record.name);
        idleJobs.push(0);
      }
      owner[i] = record.number;
      idleJobs[record.number] = (idleJobs[record.number] as number) + 1;
      keepAlive[i] = entry.keepAlive;
      priority[i] = entry.job.priority;
      queuedAt[i] = entry.job.queuedAt;
    }
    if (this.owners.size > owners.length) {
      for (const [name, record] of this.owners) {
        if (record.cycle !== cycle) this.owners.delete(name);
      }
    }

    // Job id order: last cycle's, without the jobs gone or without an outcome now, new ones
    // merged in.
    const kept: Entry[] = [];
    for (const entry of this.order) {
      if (entry.cycle === cycle && entry.outcome !== undefined) kept.push(entry);
      else entry.ordered = false;
    }
    for (const entry of fresh) entry.ordered = true;
    const order = merge(kept, sortById(fresh));
    this.order = order;

    const start = new Int32Array(counts.length + 1);
    for (let c = 0; c < counts.length; c++)
      start[c + 1] = (start[c] as number) + (counts[c] as number);
    const next = start.slice(0, counts.length);
    const byClass = new Int32Array(start[counts.length] as number);
    const rejected: RejectedJob[] = [];
    let previousEntry: Entry | undefined;
    let rank = 0;
    for (const entry of order) {
      if (previousEntry !== undefined && sameId(previousEntry, entry))
        return this.giveUp(config, jobs);
      previousEntry = entry;
      const outcome = entry.outcome;
      if (typeof outcome === "string") {
        rejected.push({ jobId: entry.job.id, owner: entry.job.owner, reason: outcome });
        continue;
      }
      const c = (outcome as CachedClass).number;
      byClass[next[c] as number] = entry.index;
      next[c] = (next[c] as number) + 1;
      idOrder[entry.index] = rank++;
    }

    const groupOf: (ClassGroup | undefined)[] = [];
    const groups: ClassGroup[] = [];
    let liveClasses = 0;
    for (let c = 0; c < counts.length; c++) {
      const count = counts[c] as number;
      if (count === 0) continue;
      liveClasses++;
      const cached = this.classes[c] as CachedClass;
      let group = groupOf[cached.group.number];
      if (group === undefined) {
        const { key, shape, clouds } = cached.group;
        group = { key, shape, clouds, classes: [], jobCount: 0 };
        groupOf[cached.group.number] = group;
        groups.push(group);
      }
      const demandClass: DemandClass = {
        size: cached.size,
        jobs: byClass.subarray(start[c] as number, start[c + 1] as number),
      };
      group.classes.push(demandClass);
      group.jobCount += count;
    }
    for (const group of groups) group.classes.sort((a, b) => compareSizeDescending(a.size, b.size));
    groups.sort((a, b) => compareText(a.key, b.key));
    this.bloated =
      this.classes.length > 2 * liveClasses + SPARE_CLASSES ||
      this.groups.size > 2 * groups.length + SPARE_CLASSES;
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

  /** Entries kept: the jobs of the last cycle (for memory figures and tests). */
  get size(): number {
    return this.entries.length;
  }

  /** Starts afresh when what classification reads of the config changed, or tables bloated. */
  private prepare(config: Config): void {
    const fingerprint = JSON.stringify([config.clouds, config.vm_types, config.flavors]);
    if (fingerprint === this.fingerprint && !this.bloated) return;
    this.reset();
    this.fingerprint = fingerprint;
  }

  private reset(): void {
    this.fingerprint = undefined;
    this.entries = [];
    this.order = [];
    this.groups.clear();
    this.classes = [];
    this.table = new ClassTable();
    this.owners.clear();
    this.bloated = false;
    this.matcher = undefined;
    this.groupOfPlacement = [];
  }

  private giveUp(config: Config, jobs: readonly Job[]): Demand {
    this.reset();
    return classifyDemand(config, jobs);
  }

  /** What classifyDemand decides for the job: its class and owner, a rejection, or nothing. */
  private classifyEntry(entry: Entry, job: Job): void {
    entry.outcome = undefined;
    entry.ownerRecord = undefined;
    entry.keepAlive = 0;
    if (job.state !== "idle" || job.vmType === undefined) return;
    this.matcher ??= new JobMatcher(this.config as Config);
    const placement = this.matcher.match(job);
    if (typeof placement === "string") {
      entry.outcome = placement;
      return;
    }
    let group = this.groupOfPlacement[placement.number];
    if (group === undefined) {
      // Placements with one key (e.g. targets listed in another order) share a group.
      group = this.groups.get(placement.key);
      if (group === undefined) {
        group = {
          number: this.groups.size,
          key: placement.key,
          shape: placement.shape,
          clouds: placement.eligible,
        };
        this.groups.set(placement.key, group);
      }
      this.groupOfPlacement[placement.number] = group;
    }
    entry.outcome = this.classFor(group, job);
    let record = this.owners.get(job.owner);
    if (record === undefined) {
      record = { name: job.owner, cycle: 0, number: -1 };
      this.owners.set(job.owner, record);
    }
    entry.ownerRecord = record;
    entry.keepAlive = keepAliveOf(job);
  }

  private classFor(group: CachedGroup, job: Job): CachedClass {
    const cores = Math.max(1, Math.ceil(job.requestCpus));
    const memoryMb = Math.max(0, job.requestMemoryMb);
    const diskKb = Math.max(0, job.requestDiskKb);
    const number = this.table.find(group.number, cores, memoryMb, diskKb);
    if (number >= 0) return this.classes[number] as CachedClass;
    const cached: CachedClass = {
      number: this.classes.length,
      group,
      size: { cores, memoryMb, diskKb },
    };
    this.classes.push(cached);
    this.table.add(group.number, cores, memoryMb, diskKb, cached.number);
    return cached;
  }
}

/**
 * Whether a job is the same to classification as when last seen: every attribute classifyDemand
 * reads (priority and queue time are read from the job each cycle). A job that is not idle, or
 * not ours, creates no demand whatever its other attributes.
 */
function sameDemand(seen: Seen, job: Job): boolean {
  if (seen.state !== job.state || seen.vmType !== job.vmType) return false;
  if (job.state !== "idle" || job.vmType === undefined) return true;
  return (
    seen.owner === job.owner &&
    seen.requestCpus === job.requestCpus &&
    seen.requestMemoryMb === job.requestMemoryMb &&
    seen.requestDiskKb === job.requestDiskKb &&
    seen.vmImage === job.vmImage &&
    seen.vmFlavor === job.vmFlavor &&
    seen.vmCores === job.vmCores &&
    seen.vmMemoryMb === job.vmMemoryMb &&
    seen.vmStorageGb === job.vmStorageGb &&
    seen.vmKeepAliveMinutes === job.vmKeepAliveMinutes &&
    sameList(seen.targetClouds, job.targetClouds)
  );
}

function seenOf(job: Job): Seen {
  return {
    state: job.state,
    vmType: job.vmType,
    owner: job.owner,
    requestCpus: job.requestCpus,
    requestMemoryMb: job.requestMemoryMb,
    requestDiskKb: job.requestDiskKb,
    vmImage: job.vmImage,
    vmFlavor: job.vmFlavor,
    vmCores: job.vmCores,
    vmMemoryMb: job.vmMemoryMb,
    vmStorageGb: job.vmStorageGb,
    vmKeepAliveMinutes: job.vmKeepAliveMinutes,
    targetClouds: job.targetClouds === undefined ? undefined : [...job.targetClouds],
  };
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function indexById(entries: readonly Entry[]): Map<string, Entry> {
  const byId = new Map<string, Entry>();
  for (const entry of entries) byId.set(entry.id, entry);
  return byId;
}

/** Orders entries as their ids' text (idKey orders as the text does where both have one). */
function compareEntries(a: Entry, b: Entry): number {
  return a.key >= 0 && b.key >= 0 ? a.key - b.key : compareText(a.id, b.id);
}

function sameId(a: Entry, b: Entry): boolean {
  return a.key >= 0 || b.key >= 0 ? a.key === b.key : a.id === b.id;
}

/** Entries in id order; many with numeric keys by radix sort (a cold cycle sorts them all). */
function sortById(entries: Entry[]): Entry[] {
  const n = entries.length;
  if (n < 4096 || entries.some((e) => e.key < 0)) return entries.sort(compareEntries);
  const sorter = new KeySorter(n);
  const keys = new Float64Array(n);
  const indices = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const key = (entries[i] as Entry).key;
    keys[i] = key;
    indices[i] = i;
    sorter.add(i, key);
  }
  const sorted = sorter.sort(indices, keys);
  const out: Entry[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = entries[sorted[i] as number] as Entry;
  return out;
}

/** `kept` and `fresh`, each in id order, merged; each fresh entry found by binary search. */
function merge(kept: Entry[], fresh: Entry[]): Entry[] {
  if (fresh.length === 0) return kept;
  if (kept.length === 0) return fresh;
  const out: Entry[] = new Array(kept.length + fresh.length);
  let i = 0;
  let o = 0;
  for (const entry of fresh) {
    let low = i;
    let high = kept.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareEntries(kept[middle] as Entry, entry) <= 0) low = middle + 1;
      else high = middle;
    }
    while (i < low) out[o++] = kept[i++] as Entry;
    out[o++] = entry;
  }
  while (i < kept.length) out[o++] = kept[i++] as Entry;
  return out;
}
