// What existing workers can still take: a booting worker will take jobs when it registers, and
// a registered one has what its partitionable slot reports as left. Idle demand fills these
// first; only what remains needs new workers.
import type { ObservedWorker } from "../condor/types.js";
import type { PoolWorker } from "../pool/types.js";
import { ShapeIndex } from "../state/shape-index.js";
import type { StateWorker } from "../state/types.js";
import type { ClassGroup } from "./demand.js";
import { assignByMaxFlow } from "./flow.js";
import { compareText } from "./match.js";
import { PackedWorkers } from "./pack.js";
import type { Size } from "./types.js";

export function fullCapacity(worker: PoolWorker): Size {
  return { cores: worker.cores, memoryMb: worker.ramMb, diskKb: worker.diskGb * 1024 * 1024 };
}

/** Free capacity of a worker; undefined when it takes no new jobs (draining, failed). */
export function freeCapacity(
  worker: PoolWorker,
  seen: ObservedWorker | undefined,
): Size | undefined {
  const full = fullCapacity(worker);
  if (worker.state === "booting") return full;
  if (worker.state !== "registered" || !seen || seen.draining) return undefined;
  let cores = 0;
  let memoryMb = 0;
  for (const slot of seen.slots) {
    const unclaimedStatic = slot.slotType === "Static" && slot.state === "Unclaimed";
    if (slot.slotType === "Partitionable" || unclaimedStatic) {
      cores += slot.cpus;
      memoryMb += slot.memoryMb;
    }
  }
  // HTCondor does not report free disk per worker; assume it is there.
  return {
    cores: Math.min(full.cores, cores),
    memoryMb: Math.min(full.memoryMb, memoryMb),
    diskKb: full.diskKb,
  };
}

/**
 * Groups in the order they fill registered workers: the most restricted (fewest clouds) first,
 * so they are not crowded out of their few clouds by jobs that could go anywhere.
 */
export function compareGroupsForAbsorbing(
  a: { clouds: readonly string[]; key: string },
  b: { clouds: readonly string[]; key: string },
): number {
  return a.clouds.length - b.clouds.length || compareText(a.key, b.key);
}

export interface ExistingWorker {
  cloud: string;
  worker: PoolWorker;
  seen: ObservedWorker | undefined;
  /** Set by absorbDemand when idle jobs were counted on this registered worker: not to retire. */
  needed?: boolean;
  /** Its model, when built from one: the free slots are read from it instead of the ads. */
  state?: Pick<StateWorker, "ads" | "slotCores" | "slotMemoryMb">;
}

export interface GroupPacking {
  group: ClassGroup;
  /**
   * New workers (first-fit decreasing) for the jobs registered workers could not take: rows
   * first..end-1 of `bins` (shared by every group); their runs of jobs name classes by their
   * index in group.classes.
   */
  bins: PackedWorkers;
  first: number;
  end: number;
  /** The first `covered` of them are covered by booting workers; the rest are wanted. */
  covered: number;
  /** Wanted rows the ramp holds back this cycle (ramp.ts): none of them boots. */
  held?: Set<number>;
}

export interface Absorption {
  /** Per group, in group order (by key). */
  packings: GroupPacking[];
  /**
   * Booting workers no wanted worker of any group counts on (their jobs started elsewhere or
   * left the queue), by sparesKey(cloud, worker): the ones plan/cancel.ts may cancel.
   */
  spareBooting: Map<string, number>;
  /** Gives the packing's arrays to the next absorb (the plan is done with it: not read after). */
  release(): void;
}

/** The key of Absorption.spareBooting: a cloud and a worker's shape. */
export function sparesKey(
  cloud: string,
  worker: Pick<PoolWorker, "vmType" | "image" | "flavor">,
): string {
  return `${cloud}\u0000${worker.vmType}\u0000${worker.image}\u0000${worker.flavor}`;
}

/** A registered worker with room, as first fit sees it. */
interface RegisteredBin {
  cloud: string;
  worker: PoolWorker;
  existing: ExistingWorker;
  cores: number;
  memoryMb: number;
  diskKb: number;
  jobs: number;
  /** Its place among the registered workers of its shape (fill order). */
  position: number;
  /** idleSince, or the largest time for a busy worker: the larger, the sooner it is filled. */
  recency: number;
  /** The worker's createdAt, beside recency: the sort compares them without a hop per bin. */
  createdAt: number;
}

/**
 * Registered workers of one shape, per cloud, in fill order. A worker with less than a core free
 * can take no job (a job takes at least one): such workers are dropped from the lists now and
 * then, so later groups do not step over them again.
 */
interface ShapeBins {
  all: RegisteredBin[];
  byCloud: Map<string, BinList>;
  /** Workers in `byCloud` that filled up since it was last tidied, and how many it holds. */
  filled: number;
  listed: number;
}

/**
 * One cloud's registered workers of a shape in fill order. First fit fills them from the front,
 * so the ones that filled up mostly lie before `open`: it only moves forward, and no class scans
 * them again (the ones that filled further on go at the next tidy).
 */
interface BinList {
  bins: RegisteredBin[];
  /** Every worker before it has less than a core free. */
  open: number;
  /**
   * Per whole number of cores c (2 and up): every worker before withCores[c] has fewer than c
   * cores free. Room only shrinks, so it only moves forward: classes of c cores in the many
   * groups of a shape do not each step again over the workers with less room.
   */
  withCores: number[];
}

function tidy(shape: ShapeBins): void {
  let listed = 0;
  for (const list of shape.byCloud.values()) {
    list.bins = list.bins.filter((bin) => bin.cores >= 1);
    list.open = 0;
    list.withCores = [];
    listed += list.bins.length;
  }
  shape.filled = 0;
  shape.listed = listed;
}

/** Registered workers, busy ones and then the most recently idle first, so stale idle ones retire. */
function compareRegisteredBins(a: RegisteredBin, b: RegisteredBin): number {
  return (
    b.recency - a.recency || a.createdAt - b.createdAt || compareText(a.worker.name, b.worker.name)
  );
}

function fitsBin(size: Size, bin: RegisteredBin): boolean {
  return size.cores <= bin.cores && size.memoryMb <= bin.memoryMb && size.diskKb <= bin.diskKb;
}

/**
 * First fit of `count` items of `size` into the registered workers on `lists` (each in fill
 * order): the first worker with room over all lists is the one with the lowest position among
 * each list's first worker with room. Returns how many were placed; counts workers that filled.
 */
function placeOnRegistered(
  lists: readonly BinList[],
  size: Size,
  count: number,
  shape: ShapeBins,
  scratch: FitScratch,
): number {
  // Per list: its first worker with room for the size (cursor), and that worker's fill
  // position (head). Only the list whose worker was filled moves on: the others' first fits
  // are untouched.
  const { cursors, heads } = scratch;
  // Whole cores of 2 or more are remembered per list (BinList.withCores).
  const cores = size.cores;
  const remembered = Number.isInteger(cores) && cores >= 2 && cores <= 1024;
  for (let l = 0; l < lists.length; l++) {
    const list = lists[l] as BinList;
    const bins = list.bins;
    let open = list.open;
    while (open < bins.length && !((bins[open] as RegisteredBin).cores >= 1)) open++;
    list.open = open;
    if (!remembered) {
      cursors[l] = open;
      firstFit(bins, size, l, scratch);
      continue;
    }
    let at = Math.max(open, list.withCores[cores] ?? 0);
    while (at < bins.length && !((bins[at] as RegisteredBin).cores >= cores)) at++;
    list.withCores[cores] = at;
    cursors[l] = at;
    firstFit(bins, size, l, scratch);
  }
  let left = count;
  while (left > 0) {
    let bestList = -1;
    let bestPosition = Infinity;
    for (let l = 0; l < lists.length; l++) {
      if ((heads[l] as number) < bestPosition) {
        bestPosition = heads[l] as number;
        bestList = l;
      }
    }
    if (bestList < 0) break;
    const bins = (lists[bestList] as BinList).bins;
    const best = bins[cursors[bestList] as number] as RegisteredBin;
    let n = 0;
    while (left > 0 && fitsBin(size, best)) {
      best.cores -= size.cores;
      best.memoryMb -= size.memoryMb;
      best.diskKb -= size.diskKb;
      n++;
      left--;
    }
    best.jobs += n;
    if (!(best.cores >= 1)) shape.filled++;
    cursors[bestList] = (cursors[bestList] as number) + 1;
    firstFit(bins, size, bestList, scratch);
  }
  return count - left;
}

/** Room for placeOnRegistered's per-list state, one per cloud, kept for a whole absorb. */
interface FitScratch {
  cursors: Int32Array;
  heads: Float64Array;
}

/** Moves list `l`'s cursor to its first worker from there with room for `size`. */
function firstFit(bins: RegisteredBin[], size: Size, l: number, scratch: FitScratch): void {
  let at = scratch.cursors[l] as number;
  while (at < bins.length && !fitsBin(size, bins[at] as RegisteredBin)) at++;
  scratch.cursors[l] = at;
  scratch.heads[l] = at < bins.length ? (bins[at] as RegisteredBin).position : Infinity;
}

export function absorbDemand(
  groups: readonly ClassGroup[],
  existing: readonly ExistingWorker[],
): Absorption {
  const registered = new ShapeIndex<ShapeBins>();
  const booting = new ShapeIndex<Map<string, number>>();
  const newShape = (): ShapeBins => ({ all: [], byCloud: new Map(), filled: 0, listed: 0 });
  const newCounts = () => new Map<string, number>();
  for (const candidate of existing) {
    const { cloud, worker, seen } = candidate;
    if (worker.state === "booting") {
      const byCloud = booting.get(worker.vmType, worker.image, worker.flavor, newCounts);
      byCloud.set(cloud, (byCloud.get(cloud) ?? 0) + 1);
      continue;
    }
    // freeCapacity(), without its two records per worker.
    if (worker.state !== "registered" || !seen || seen.draining) continue;
    let cores = 0;
    let memoryMb = 0;
    const state = candidate.state;
    if (
      state !== undefined &&
      state.ads === seen &&
      state.slotCores !== undefined &&
      state.slotMemoryMb !== undefined
    ) {
      cores = state.slotCores;
      memoryMb = state.slotMemoryMb;
    } else {
      for (const slot of seen.slots) {
        const unclaimedStatic = slot.slotType === "Static" && slot.state === "Unclaimed";
        if (slot.slotType === "Partitionable" || unclaimedStatic) {
          cores += slot.cpus;
          memoryMb += slot.memoryMb;
        }
      }
    }
    const free = Math.min(worker.cores, cores);
    // Less than a core free takes no job (a job takes at least one): not worth a place in line.
    if (!(free >= 1)) continue;
    registered.get(worker.vmType, worker.image, worker.flavor, newShape).all.push({
      cloud,
      worker,
      existing: candidate,
      cores: free,
      memoryMb: Math.min(worker.ramMb, memoryMb),
      diskKb: worker.diskGb * 1024 * 1024,
      jobs: 0,
      position: 0,
      recency: worker.idleSince ?? Number.MAX_SAFE_INTEGER,
      createdAt: worker.createdAt,
    });
  }
  for (const shape of registered.values()) {
    shape.all.sort(compareRegisteredBins);
    shape.all.forEach((bin, position) => {
      bin.position = position;
      const list = shape.byCloud.get(bin.cloud);
      if (list === undefined) {
        shape.byCloud.set(bin.cloud, { bins: [bin], open: 0, withCores: [] });
      } else list.bins.push(bin);
    });
    // Every worker in line has a core free: nothing to tidy yet.
    shape.listed = shape.all.length;
  }

  const packings = new Map<ClassGroup, GroupPacking>();
  let items = 0;
  for (const group of groups) items += group.jobCount;
  const bins = new PackedWorkers(items);
  let widest = 0;
  for (const group of groups) widest = Math.max(widest, group.clouds.length);
  const scratch: FitScratch = {
    cursors: new Int32Array(widest),
    heads: new Float64Array(widest),
  };
  for (const group of [...groups].sort(compareGroupsForAbsorbing)) {
    const { vmType, image, flavor } = group.shape;
    const shape = registered.find(vmType, image, flavor);
    const lists: BinList[] = [];
    if (shape !== undefined) {
      for (const cloud of group.clouds) {
        const list = shape.byCloud.get(cloud);
        if (list !== undefined && list.bins.length > 0) lists.push(list);
      }
    }
    const first = bins.begin(group.shape.capacity);
    group.classes.forEach(({ size, jobs }, c) => {
      const absorbed =
        shape === undefined ? 0 : placeOnRegistered(lists, size, jobs.length, shape, scratch);
      bins.place(c, absorbed, jobs.length - absorbed, size);
    });
    if (shape !== undefined && shape.filled * 4 > shape.listed) tidy(shape);
    packings.set(group, { group, bins, first, end: bins.length, covered: 0 });
  }

  // Booting workers of a shape, handed to its groups by maximum flow.
  const byShape = new Map<string, GroupPacking[]>();
  for (const packing of packings.values()) {
    const list = byShape.get(packing.group.shape.key) ?? [];
    list.push(packing);
    byShape.set(packing.group.shape.key, list);
  }
  // What is left of each cloud's booting workers after the flow is spare.
  const spareBooting = new Map<string, number>();
  for (const [shape, byCloud] of booting.entries()) {
    for (const [cloud, count] of byCloud) spareBooting.set(sparesKey(cloud, shape), count);
  }
  for (const shapePackings of byShape.values()) {
    const shape = (shapePackings[0] as GroupPacking).group.shape;
    const bootingByCloud = booting.find(shape.vmType, shape.image, shape.flavor);
    if (bootingByCloud === undefined) continue;
    const clouds = [...bootingByCloud.keys()].sort(compareText);
    // Which group may use which cloud, as a table: the flow asks of every pair, and a shape has
    // hundreds of groups, most of them allowed a few clouds.
    const cloudIndex = new Map(clouds.map((cloud, c) => [cloud, c]));
    const allowed = new Uint8Array(shapePackings.length * clouds.length);
    shapePackings.forEach((packing, g) => {
      for (const cloud of packing.group.clouds) {
        const c = cloudIndex.get(cloud);
        if (c !== undefined) allowed[g * clouds.length + c] = 1;
      }
    });
    const flow = assignByMaxFlow(
      shapePackings.map((p) => p.end - p.first),
      clouds.map((c) => bootingByCloud.get(c) ?? 0),
      (g, c) => allowed[g * clouds.length + c] === 1,
    );
    // What the groups use of each cloud, summed first: one key per cloud, not per group.
    const usedOf = new Float64Array(clouds.length);
    shapePackings.forEach((packing, g) => {
      const used = flow[g] ?? [];
      let covered = 0;
      for (let c = 0; c < used.length; c++) {
        const n = used[c] as number;
        covered += n;
        usedOf[c] = (usedOf[c] as number) + n;
      }
      packing.covered = covered;
    });
    clouds.forEach((cloud, c) => {
      const key = sparesKey(cloud, shape);
      spareBooting.set(key, (spareBooting.get(key) ?? 0) - (usedOf[c] as number));
    });
  }

  for (const shape of registered.values()) {
    for (const bin of shape.all) if (bin.jobs > 0) bin.existing.needed = true;
  }
  return {
    packings: groups.map((g) => packings.get(g) as GroupPacking),
    spareBooting,
    release: () => bins.release(),
  };
}
