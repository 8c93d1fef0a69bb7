// What existing workers can still take: a booting worker will take jobs when it registers, and
// a registered one has what its partitionable slot reports as left. Idle demand fills these
// first; only what remains needs new workers.
import type { ObservedWorker } from "../condor/types.js";
import type { PoolWorker } from "../pool/types.js";
import type { ClassGroup, DemandClass } from "./demand.js";
import { assignByMaxFlow } from "./flow.js";
import { compareText } from "./match.js";
import { PackedWorkers, placeMany } from "./pack.js";
import type { Size } from "./types.js";

export function shapeKeyOf(worker: PoolWorker): string {
  return `${worker.vmType}|${worker.image}|${worker.flavor}`;
}

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

/** Registered workers, busy ones and then the most recently idle first, so stale idle ones retire. */
function compareRegistered(a: { worker: PoolWorker }, b: { worker: PoolWorker }): number {
  const x = a.worker;
  const y = b.worker;
  return (
    (y.idleSince ?? Number.MAX_SAFE_INTEGER) - (x.idleSince ?? Number.MAX_SAFE_INTEGER) ||
    x.createdAt - y.createdAt ||
    compareText(x.name, y.name)
  );
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
}

export interface GroupPacking {
  group: ClassGroup;
  /** New workers (first-fit decreasing) for the jobs registered workers could not take. */
  bins: PackedWorkers<DemandClass>;
  /** The first `covered` bins are covered by booting workers; the rest are wanted. */
  covered: number;
}

export interface Absorption {
  /** Per group, in group order (by key). */
  packings: GroupPacking[];
  /** Registered workers that idle jobs were counted on: not to be retired. */
  needed: Set<string>;
}

interface RegisteredBin {
  cloud: string;
  worker: PoolWorker;
  free: Size;
  jobs: number;
  /** Its place among the registered workers of its shape (compareRegistered order). */
  position: number;
}

/**
 * Registered workers of one shape in fill order: all of them, and those that may still take a
 * job (a job takes at least one core), also split by cloud. Workers that filled up are dropped
 * from the second list now and then, so later groups do not step over them again.
 */
interface ShapeBins {
  all: RegisteredBin[];
  open: RegisteredBin[];
  openByCloud: Map<string, RegisteredBin[]>;
  /** Workers in `open` that filled up since it was last tidied. */
  filled: number;
}

function hasRoom(bin: { free: Size }): boolean {
  return bin.free.cores >= 1;
}

function tidy(shape: ShapeBins): void {
  shape.open = shape.open.filter(hasRoom);
  shape.openByCloud = new Map();
  for (const bin of shape.open) {
    const list = shape.openByCloud.get(bin.cloud);
    if (list === undefined) shape.openByCloud.set(bin.cloud, [bin]);
    else list.push(bin);
  }
  shape.filled = 0;
}

/** The registered workers of a shape on the given clouds that may take a job, in fill order. */
function binsOn(shape: ShapeBins | undefined, clouds: readonly string[]): RegisteredBin[] {
  if (shape === undefined) return [];
  let merged: RegisteredBin[] = [];
  let total = 0;
  for (const cloud of clouds) {
    const list = shape.openByCloud.get(cloud);
    if (list === undefined) continue;
    merged = total === 0 ? list : mergeByPosition(merged, list);
    total += list.length;
    if (total === shape.open.length) return shape.open;
  }
  return merged;
}

function mergeByPosition(a: RegisteredBin[], b: RegisteredBin[]): RegisteredBin[] {
  const merged: RegisteredBin[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if ((a[i] as RegisteredBin).position < (b[j] as RegisteredBin).position)
      merged.push(a[i++] as RegisteredBin);
    else merged.push(b[j++] as RegisteredBin);
  }
  while (i < a.length) merged.push(a[i++] as RegisteredBin);
  while (j < b.length) merged.push(b[j++] as RegisteredBin);
  return merged;
}

export function absorbDemand(
  groups: readonly ClassGroup[],
  existing: readonly ExistingWorker[],
): Absorption {
  const registered = new Map<string, ShapeBins>();
  const booting = new Map<string, Map<string, number>>();
  for (const { cloud, worker, seen } of existing) {
    const free = freeCapacity(worker, seen);
    if (!free) continue;
    const key = shapeKeyOf(worker);
    if (worker.state === "booting") {
      const byCloud = booting.get(key) ?? new Map<string, number>();
      byCloud.set(cloud, (byCloud.get(cloud) ?? 0) + 1);
      booting.set(key, byCloud);
      continue;
    }
    let shape = registered.get(key);
    if (shape === undefined) {
      shape = { all: [], open: [], openByCloud: new Map(), filled: 0 };
      registered.set(key, shape);
    }
    shape.all.push({ cloud, worker, free, jobs: 0, position: 0 });
  }
  for (const shape of registered.values()) {
    shape.all.sort(compareRegistered);
    shape.all.forEach((bin, position) => {
      bin.position = position;
    });
    shape.open = shape.all;
    tidy(shape);
  }

  const packings = new Map<ClassGroup, GroupPacking>();
  for (const group of [...groups].sort(compareGroupsForAbsorbing)) {
    const shape = registered.get(group.shape.key);
    const ours = binsOn(shape, group.clouds);
    const bins = new PackedWorkers<DemandClass>(group.shape.capacity);
    let filled = 0;
    for (const demandClass of group.classes) {
      const { size, jobs } = demandClass;
      const absorbed = placeMany(ours, size, jobs.length, undefined, (bin, _index, n) => {
        bin.jobs += n;
        if (!hasRoom(bin)) filled++;
      });
      bins.place(demandClass, absorbed, jobs.length - absorbed, size);
    }
    if (shape !== undefined) {
      shape.filled += filled;
      if (shape.filled * 4 > shape.open.length) tidy(shape);
    }
    packings.set(group, { group, bins, covered: 0 });
  }

  // Booting workers of a shape, handed to its groups by maximum flow.
  const byShape = new Map<string, GroupPacking[]>();
  for (const packing of packings.values()) {
    const list = byShape.get(packing.group.shape.key) ?? [];
    list.push(packing);
    byShape.set(packing.group.shape.key, list);
  }
  for (const [shape, shapePackings] of byShape) {
    const bootingByCloud = booting.get(shape);
    if (bootingByCloud === undefined) continue;
    const clouds = [...bootingByCloud.keys()].sort(compareText);
    const flow = assignByMaxFlow(
      shapePackings.map((p) => p.bins.length),
      clouds.map((c) => bootingByCloud.get(c) ?? 0),
      (g, c) => (shapePackings[g] as GroupPacking).group.clouds.includes(clouds[c] as string),
    );
    shapePackings.forEach((packing, g) => {
      packing.covered = (flow[g] ?? []).reduce((sum, n) => sum + n, 0);
    });
  }

  const needed = new Set<string>();
  for (const shape of registered.values()) {
    for (const bin of shape.all) if (bin.jobs > 0) needed.add(bin.worker.name);
  }
  return { packings: groups.map((g) => packings.get(g) as GroupPacking), needed };
}
