// Demand classes carried from one cycle to the next. A job's demand class depends only on its own
// attributes and on the config, so a job seen last cycle with the same attributes keeps its
// class, its rejection and its place in job id order: a steady cycle classifies only new and
// changed jobs and sorts only ids it has not ordered before, merged into last cycle's order.
//
// condor_q lists the queue by cluster and proc, so a job's entry is found by walking last cycle's
// list beside this one (one string comparison, no hashing): where they part, last cycle's jobs
// listed before it finished, and a job last cycle did not list before the next is new (ids that
// are not "cluster.proc" are looked up in a map). A job taken for new is classified anew: always
// right, only slower (a list in another order costs time, never a wrong class). The result is
// the Demand classifyDemand returns for the same jobs (same groups, classes, job order in each
// class, rejections and owner order); a property test plans with and without the cache and
// compares.
// Memory is bounded: entries of jobs no longer listed are dropped each cycle, and the tables of
// groups and classes start afresh when they hold far more than the queue uses.
import type { Job } from "../condor/types.js";
import type { Config } from "../config/schema.js";
import {
  type ClassGroup,
  ClassTable,
  classifyDemand,
  type Demand,
  idKey,
  KeySorter,
  type OwnerJobs,
} from "./demand.js";
import { compareJobIds, IdOrder, NO_OUTCOME, REJECTED } from "./id-order.js";
import { compareText, JobMatcher, keepAliveOf } from "./match.js";
import { OwnerOrderQueue } from "./owner-order.js";
import { compareSizeDescending } from "./pack.js";
import { Scratch } from "./scratch.js";
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
  /** Its jobs with a class in the owner's order (Demand.ownerOrder), some positions dead. */
  queue: OwnerOrderQueue<Entry>;
  /** Its jobs to place in `queue` this cycle: new, reclassified, or reprioritized. */
  fresh: Entry[];
}

/**
 * One job as the cache knows it: what classification reads of it as last seen (copied, for a
 * caller may reuse its job objects), and what it decided.
 */
class Entry {
  // Set by see(), which the constructor calls.
  state!: Job["state"];
  vmType: string | undefined;
  owner!: string;
  requestCpus!: number;
  requestMemoryMb!: number;
  requestDiskKb!: number;
  vmImage: string | undefined;
  vmFlavor: string | undefined;
  vmCores: number | undefined;
  vmMemoryMb: number | undefined;
  vmStorageGb: number | undefined;
  vmKeepAliveMinutes: number | undefined;
  targetClouds: string[] | undefined;
  /** Its class, why it is rejected, or undefined: it creates no demand (not idle, not ours). */
  outcome: CachedClass | string | undefined = undefined;
  /** The owner, for a job with a class. */
  ownerRecord: OwnerRecord | undefined = undefined;
  /** +VMKeepAlive in seconds, capped (keepAliveOf). */
  keepAlive = 0;
  /** Its slot in the id order (id-order.ts), or -1: not in it yet, its place unknown. */
  slot = -1;
  /** JobPrio and queue time when placed in its owner's queue, and the cycle it was placed. */
  priority = 0;
  queuedAt = 0;
  ownerPlaced = 0;
  /** idKey(id): a number that orders ids as text, or -1 (then the id text is compared). */
  readonly key: number;

  constructor(
    readonly id: string,
    job: Job,
    /** The cycle it was last listed in, and its index in that cycle's list. */
    public cycle: number,
    public index: number,
  ) {
    this.key = idKey(id);
    this.see(job);
  }

  /** Takes what classification reads of the job's new listing. */
  see(job: Job): void {
    this.state = job.state;
    this.vmType = job.vmType;
    this.owner = job.owner;
    this.requestCpus = job.requestCpus;
    this.requestMemoryMb = job.requestMemoryMb;
    this.requestDiskKb = job.requestDiskKb;
    this.vmImage = job.vmImage;
    this.vmFlavor = job.vmFlavor;
    this.vmCores = job.vmCores;
    this.vmMemoryMb = job.vmMemoryMb;
    this.vmStorageGb = job.vmStorageGb;
    this.vmKeepAliveMinutes = job.vmKeepAliveMinutes;
    this.targetClouds = job.targetClouds === undefined ? undefined : [...job.targetClouds];
  }

  /**
   * Whether the job is the same to classification as when last seen: every attribute
   * classifyDemand reads (priority and queue time are read from the job each cycle). A job that
   * is not idle, or not ours, creates no demand whatever its other attributes.
   */
  same(job: Job): boolean {
    if (this.state !== job.state || this.vmType !== job.vmType) return false;
    if (job.state !== "idle" || job.vmType === undefined) return true;
    return (
      this.owner === job.owner &&
      this.requestCpus === job.requestCpus &&
      this.requestMemoryMb === job.requestMemoryMb &&
      this.requestDiskKb === job.requestDiskKb &&
      this.vmImage === job.vmImage &&
      this.vmFlavor === job.vmFlavor &&
      this.vmCores === job.vmCores &&
      this.vmMemoryMb === job.vmMemoryMb &&
      this.vmStorageGb === job.vmStorageGb &&
      this.vmKeepAliveMinutes === job.vmKeepAliveMinutes &&
      (this.targetClouds === job.targetClouds || sameList(this.targetClouds, job.targetClouds))
    );
  }
}

/** Tables of groups and classes start afresh past this many beyond what the queue uses. */
const SPARE_CLASSES = 1024;
/** An owner queue is swept when its dead positions outnumber the live ones by this many. */
const SPARE_POSITIONS = 256;
/** Room for classes a cycle adds, in its per-class counts (grown past it). */
const SPARE_COUNTS = 64;

export class DemandCache {
  private fingerprint: string | undefined;
  /** The config of the cycle being classified. */
  private config: Config | undefined;
  private cycle = 0;
  /** Last cycle's entries in list order, and a list to fill the next cycle's into. */
  private entries: Entry[] = [];
  private spare: Entry[] = [];
  private readonly columns = new JobColumns();
  /** Last cycle's entries with an outcome, in job id order. */
  private ids = new IdOrder<Entry>();
  private readonly groups = new Map<string, CachedGroup>();
  private classes: CachedClass[] = [];
  private table = new ClassTable();
  private readonly owners = new Map<string, OwnerRecord>();
  /** Last cycle's live classes in Demand order (layoutFor). */
  private layout: number[] | undefined;
  /** Set at the end of a cycle whose tables hold far more than its queue uses. */
  private bloated = false;
  /** This cycle's matcher (made on the first job that needs it) and its placements' groups. */
  private matcher: JobMatcher | undefined;
  private groupOfPlacement: (CachedGroup | undefined)[] = [];
  /** The owner of the job classified last (this cycle). */
  private lastOwner: OwnerRecord | undefined;
  /** Entries placed in owner queues before this cycle start anew (queues emptied then). */
  private ownerEpoch = 1;

  /**
   * The same Demand as classifyDemand(config, jobs), reusing what earlier cycles classified. It
   * is read within its cycle: the next call reuses its per-job arrays and its owner queues.
   */
  classify(config: Config, jobs: readonly Job[]): Demand {
    this.prepare(config);
    this.config = config;
    const cycle = ++this.cycle;
    const n = jobs.length;
    const previous = this.entries;
    const ids = this.ids;
    // The id order's columns, read once: nothing takes a slot (and grows them) in this loop, and
    // a typed array reached through an object is otherwise looked up again at every store.
    const { cycle: slotCycle, index: slotIndex, outcome: slotOutcome } = ids;
    const ownerEpoch = this.ownerEpoch;
    // Last cycle's spare list and per-job columns, reused: a Demand is read within its cycle.
    const current = this.spare;
    current.length = n;
    const fresh: Entry[] = [];
    // Per job, in list order (set for matched idle jobs only, as a Demand promises): owners are
    // numbered as classifyDemand numbers them.
    const { owner, keepAlive, priority, queuedAt, idOrder } = this.columns.of(n);
    let counts: Int32Array = new Int32Array(this.classes.length + SPARE_COUNTS);
    const owners: string[] = [];
    const idleJobs: number[] = [];
    let outcomes = 0;
    let unorderable = false;
    let byId: Map<string, Entry> | undefined;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const job = jobs[i] as Job;
      const id = job.id;
      let entry = previous[k];
      if (entry !== undefined && entry.id === id) k++;
      else if (entry !== undefined) {
        // Not where last cycle's list has it: new, or jobs before it finished. condor_q lists
        // by cluster and proc: step over last cycle's jobs listed before it.
        const position = positionOf(id);
        if (position >= 0 && positionOf(entry.id) >= 0) {
          // Parsed here, not kept: only where the lists part (a number field costs a heap box).
          while (entry !== undefined && positionOf(entry.id) < position) entry = previous[++k];
          if (entry !== undefined && entry.id === id) k++;
          else entry = undefined;
        } else {
          // Ids that are not "cluster.proc": find it by id.
          byId ??= indexById(previous);
          entry = byId.get(id);
          if (entry !== undefined && entry.cycle !== cycle) k = entry.index + 1;
        }
      }
      let classified = true;
      if (entry === undefined) {
        entry = new Entry(id, job, cycle, i);
        this.classifyEntry(entry, job);
      } else {
        // The same id twice in one answer: classifyDemand knows how to order those.
        if (entry.cycle === cycle) return this.giveUp(config, jobs);
        if (!entry.same(job)) {
          entry.see(job);
          this.classifyEntry(entry, job);
        } else classified = false;
        entry.cycle = cycle;
        entry.index = i;
        const slot = entry.slot;
        if (slot >= 0) {
          slotCycle[slot] = cycle;
          slotIndex[slot] = i;
          // An outcome not decided anew is the one its slot was given.
          if (classified) slotOutcome[slot] = outcomeCode(entry.outcome);
        }
      }
      current[i] = entry;
      const outcome = entry.outcome;
      if (outcome === undefined) continue;
      outcomes++;
      if (entry.slot < 0) fresh.push(entry);
      if (typeof outcome === "string") continue;
      // In the same pass: what the rest of the plan reads per job.
      if (outcome.number >= counts.length) counts = grown(counts, outcome.number);
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
      priority[i] = job.priority;
      queuedAt[i] = job.queuedAt;
      if (
        classified ||
        entry.ownerPlaced < ownerEpoch ||
        entry.priority !== job.priority ||
        entry.queuedAt !== job.queuedAt
      ) {
        entry.priority = job.priority;
        entry.queuedAt = job.queuedAt;
        entry.ownerPlaced = cycle;
        record.fresh.push(entry);
        // NaN orders nothing consistently: no owner queues while such a job is listed.
        if (Number.isNaN(job.priority) || Number.isNaN(job.queuedAt)) unorderable = true;
      }
    }
    this.spare = previous;
    this.entries = current;
    this.config = undefined;
    this.matcher = undefined;
    this.groupOfPlacement = [];
    this.lastOwner = undefined;
    if (this.owners.size > owners.length) {
      for (const [name, record] of this.owners) {
        if (record.cycle !== cycle) this.owners.delete(name);
      }
    }
    counts = counts.subarray(0, this.classes.length);
    const ownerOrder = this.orderOwners(owners.length, unorderable, idleJobs);

    const start = new Int32Array(counts.length + 1);
    for (let c = 0; c < counts.length; c++)
      start[c + 1] = (start[c] as number) + (counts[c] as number);
    const next = start.slice(0, counts.length);
    const byClass = this.columns.byClassOf(start[counts.length] as number);
    const rejected: RejectedJob[] = [];

    // Job id order: last cycle's, without the jobs gone or without an outcome now, new ones
    // merged in; walked once over the slots' columns, placing each job in its class as it comes.
    const added = sortById(fresh);
    // Room for the new jobs' slots first: the columns are then the same arrays all through.
    ids.reserve(added.length);
    const { cycle: cycleOf, index: indexOf, outcome: outcomeOf } = ids;
    const last = ids.slots;
    const order = ids.nextOrder(outcomes);
    let placed = 0;
    let rank = 0;
    let nextAdded = 0;
    let lastAdded = false;
    const place = (slot: number, isAdded: boolean): boolean => {
      // Last cycle's order holds each id once: only a job added now can repeat its neighbour's.
      if ((isAdded || lastAdded) && placed > 0 && ids.sameId(order[placed - 1] as number, slot)) {
        return false;
      }
      lastAdded = isAdded;
      order[placed++] = slot;
      const outcome = outcomeOf[slot] as number;
      const index = indexOf[slot] as number;
      if (outcome === REJECTED) {
        const job = jobs[index] as Job;
        rejected.push({
          jobId: job.id,
          owner: job.owner,
          reason: ids.entry(slot).outcome as string,
        });
        return true;
      }
      byClass[next[outcome] as number] = index;
      next[outcome] = (next[outcome] as number) + 1;
      idOrder[index] = rank++;
      return true;
    };
    const placeAdded = (entry: Entry) =>
      place(ids.take(entry, cycle, entry.index, outcomeCode(entry.outcome)), true);
    for (let o = 0; o < ids.length; o++) {
      const slot = last[o] as number;
      if (cycleOf[slot] !== cycle || outcomeOf[slot] === NO_OUTCOME) {
        ids.release(slot);
        continue;
      }
      for (; nextAdded < added.length; nextAdded++) {
        const add = added[nextAdded] as Entry;
        if (ids.compareTo(add, slot) >= 0) break;
        if (!placeAdded(add)) return this.giveUp(config, jobs);
      }
      if (!place(slot, false)) return this.giveUp(config, jobs);
    }
    for (; nextAdded < added.length; nextAdded++) {
      if (!placeAdded(added[nextAdded] as Entry)) return this.giveUp(config, jobs);
    }
    ids.setOrder(order, placed);

    // Groups by key, each one's classes largest first: last cycle's order, kept up to date.
    const live: number[] = [];
    for (let c = 0; c < counts.length; c++) if ((counts[c] as number) > 0) live.push(c);
    const layout = this.layoutFor(live);
    const groups: ClassGroup[] = [];
    let group: ClassGroup | undefined;
    let groupOfLast: CachedGroup | undefined;
    for (let i = 0; i < layout.length; i++) {
      const c = layout[i] as number;
      const cached = this.classes[c] as CachedClass;
      if (cached.group !== groupOfLast || group === undefined) {
        groupOfLast = cached.group;
        const { key, shape, clouds } = cached.group;
        group = { key, shape, clouds, classes: [], jobCount: 0 };
        groups.push(group);
      }
      group.classes.push({
        size: cached.size,
        jobs: byClass.subarray(start[c] as number, start[c + 1] as number),
      });
      group.jobCount += counts[c] as number;
    }
    const liveClasses = live.length;
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
      ...(ownerOrder === undefined ? {} : { ownerOrder }),
    };
  }

  /**
   * Each owner's queue: last cycle's, its fresh jobs placed in it (a job that left it, was
   * reclassified or placed anew leaves a dead position, skipped where read). Undefined (and
   * every queue emptied, to be placed anew) when a job has a priority or queue time that orders
   * nothing.
   */
  private orderOwners(
    owners: number,
    unorderable: boolean,
    idleJobs: readonly number[],
  ): OwnerJobs[] | undefined {
    const cycle = this.cycle;
    if (unorderable) {
      for (const record of this.owners.values()) {
        record.queue = new OwnerOrderQueue();
        record.fresh = [];
      }
      this.ownerEpoch = cycle + 1;
      return undefined;
    }
    const order: OwnerJobs[] = new Array(owners);
    for (const record of this.owners.values()) {
      if (record.cycle !== cycle) continue;
      const queue = record.queue;
      queue.insert(record.fresh.sort(compareInOwnerOrder), cycle);
      record.fresh = [];
      // Every job of the owner with a class this cycle holds one live position.
      if (queue.length > 2 * (idleJobs[record.number] as number) + SPARE_POSITIONS) {
        queue.sweep((entry, placed) => holds(entry, record, placed, cycle));
      }
      order[record.number] = new OwnerQueueView(queue, record, cycle);
    }
    return order;
  }

  /**
   * The live classes in Demand order: grouped by their group's key, each group's largest first.
   * Last cycle's order, without the classes no job uses now and with the new ones merged in
   * (most cycles add a few); sorted anew when many are new.
   */
  private layoutFor(live: readonly number[]): number[] {
    const last = this.layout;
    const total = this.classes.length;
    const isLive = new Uint8Array(total);
    for (const c of live) isLive[c] = 1;
    const inLast = new Uint8Array(total);
    const kept: number[] = [];
    for (const c of last ?? []) {
      inLast[c] = 1;
      if (isLive[c]) kept.push(c);
    }
    const added = live.filter((c) => !inLast[c]);
    const before = (a: number, b: number) => this.compareClasses(a, b);
    let order: number[];
    if (last === undefined || added.length > kept.length / 4 + 16) {
      order = [...live].sort(before);
    } else {
      added.sort(before);
      order = new Array(kept.length + added.length);
      let k = 0;
      let a = 0;
      for (let o = 0; o < order.length; o++) {
        const next = added[a];
        if (next !== undefined && (k >= kept.length || before(next, kept[k] as number) < 0)) {
          order[o] = next;
          a++;
        } else order[o] = kept[k++] as number;
      }
    }
    this.layout = order;
    return order;
  }

  /** Demand order between two classes: their group's key, then the larger first. */
  private compareClasses(a: number, b: number): number {
    const x = this.classes[a] as CachedClass;
    const y = this.classes[b] as CachedClass;
    if (x.group !== y.group) return compareText(x.group.key, y.group.key);
    return compareSizeDescending(x.size, y.size);
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
    this.spare = [];
    this.ids = new IdOrder();
    this.groups.clear();
    this.classes = [];
    this.layout = undefined;
    this.table = new ClassTable();
    this.owners.clear();
    this.bloated = false;
    this.matcher = undefined;
    this.groupOfPlacement = [];
    this.lastOwner = undefined;
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
    // Jobs come in clusters of one owner: most lookups are the last one again.
    let record = this.lastOwner;
    if (record === undefined || record.name !== job.owner) {
      record = this.owners.get(job.owner);
      if (record === undefined) {
        record = {
          name: job.owner,
          cycle: 0,
          number: -1,
          queue: new OwnerOrderQueue(),
          fresh: [],
        };
        this.owners.set(job.owner, record);
      }
      this.lastOwner = record;
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

/** Whether `entry` is live at a position of `record`'s queue placed in cycle `placed`. */
function holds(entry: Entry, record: OwnerRecord, placed: number, cycle: number): boolean {
  return entry.cycle === cycle && entry.ownerRecord === record && entry.ownerPlaced === placed;
}

/** One owner's queue as this cycle's Demand reads it: dead positions read as -1. */
class OwnerQueueView implements OwnerJobs {
  constructor(
    private readonly queue: OwnerOrderQueue<Entry>,
    private readonly record: OwnerRecord,
    private readonly cycle: number,
  ) {}

  get length(): number {
    return this.queue.length;
  }

  indexAt(position: number): number {
    const entry = this.queue.job(position);
    return holds(entry, this.record, this.queue.placedAt(position), this.cycle) ? entry.index : -1;
  }
}

/** The per-job arrays of a Demand, kept from cycle to cycle and grown when the queue grows. */
class JobColumns {
  private owner = new Int32Array(0);
  private keepAlive = new Float64Array(0);
  private priority = new Float64Array(0);
  private queuedAt = new Float64Array(0);
  private idOrder = new Float64Array(0);
  private readonly byClass = new Scratch((n) => new Int32Array(n));

  /** Room for the jobs of every class, in class order: `n` long, its earlier contents left. */
  byClassOf(n: number): Int32Array {
    return this.byClass.take(n);
  }

  /** Views of the first `n` of each (earlier cycles' values left where no job sets them). */
  of(n: number): Pick<Demand, "owner" | "keepAlive" | "priority" | "queuedAt" | "idOrder"> {
    if (n > this.owner.length) {
      const capacity = Math.max(n, Math.ceil(this.owner.length * 1.5));
      this.owner = new Int32Array(capacity);
      this.keepAlive = new Float64Array(capacity);
      this.priority = new Float64Array(capacity);
      this.queuedAt = new Float64Array(capacity);
      this.idOrder = new Float64Array(capacity);
    }
    return {
      owner: this.owner.subarray(0, n),
      keepAlive: this.keepAlive.subarray(0, n),
      priority: this.priority.subarray(0, n),
      queuedAt: this.queuedAt.subarray(0, n),
      idOrder: this.idOrder.subarray(0, n),
    };
  }
}

function indexById(entries: readonly Entry[]): Map<string, Entry> {
  const byId = new Map<string, Entry>();
  for (const entry of entries) byId.set(entry.id, entry);
  return byId;
}

/**
 * A number that orders ids "C.P" as condor_q lists jobs, by cluster then proc as numbers
 * (C below 900 million, P below 10 million), or -1.
 */
export function positionOf(id: string): number {
  let cluster = 0;
  let proc = 0;
  let dot = -1;
  const length = id.length;
  for (let i = 0; i < length; i++) {
    const c = id.charCodeAt(i);
    if (c === 46 && dot < 0) dot = i;
    else if (c < 48 || c > 57) return -1;
    else if (dot < 0) cluster = cluster * 10 + (c - 48);
    else proc = proc * 10 + (c - 48);
  }
  if (dot < 1 || dot === length - 1 || dot > 9 || length - dot - 1 > 7) return -1;
  if (cluster >= 900_000_000) return -1;
  return cluster * 10_000_000 + proc;
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** An owner's order (fair-share.ts ownerOrder): higher JobPrio first, then oldest, then job id. */
function compareInOwnerOrder(a: Entry, b: Entry): number {
  const byPriority = b.priority - a.priority;
  if (byPriority) return byPriority;
  const byAge = a.queuedAt - b.queuedAt;
  if (byAge) return byAge;
  return compareJobIds(a, b);
}

/** An entry's outcome as the id order's columns hold it. */
function outcomeCode(outcome: Entry["outcome"]): number {
  if (outcome === undefined) return NO_OUTCOME;
  return typeof outcome === "string" ? REJECTED : outcome.number;
}

/** Entries in id order; many with numeric keys by radix sort (a cold cycle sorts them all). */
function sortById(entries: Entry[]): Entry[] {
  const n = entries.length;
  if (n < 4096 || entries.some((e) => e.key < 0)) return entries.sort(compareJobIds);
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

/** `counts` with room for class number `number` (classes added this cycle). */
function grown(counts: Int32Array, number: number): Int32Array {
  const bigger = new Int32Array(Math.max(2 * counts.length, number + SPARE_COUNTS));
  bigger.set(counts);
  return bigger;
}
