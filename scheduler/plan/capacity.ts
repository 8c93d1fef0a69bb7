// What existing workers can still take: a booting worker will take jobs when it registers, and
// a registered one has what its partitionable slot reports as left. Idle demand fills these
// first; only what remains needs new workers.
import type { ObservedWorker } from "../condor/types.js";
import type { PoolWorker } from "../pool/types.js";
import type { ClassGroup, DemandClass } from "./demand.js";
import { assignByMaxFlow } from "./flow.js";
import { compareText } from "./match.js";
import { placeMany } from "./pack.js";
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
  const recency = (bin: { worker: PoolWorker }) => bin.worker.idleSince ?? Number.MAX_SAFE_INTEGER;
  return (
    recency(b) - recency(a) ||
    a.worker.createdAt - b.worker.createdAt ||
    compareText(a.worker.name, b.worker.name)
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

/** A run of jobs of one class in a new worker: class positions from..from+count. */
export interface ClassRun {
  demandClass: DemandClass;
  from: number;
  count: number;
}

/** A new worker its group's jobs were packed into, with the runs of jobs it holds, in order. */
export interface NewWorkerBin {
  free: Size;
  jobs: number;
  runs: ClassRun[];
}

export interface GroupPacking {
  group: ClassGroup;
  /** New workers (first-fit decreasing) for the jobs registered workers could not take. */
  bins: NewWorkerBin[];
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
}

/**
 * Counts idle jobs on existing workers, class by class. Registered workers with room go first
 * (first-fit decreasing, group by group). Booting workers are empty and interchangeable within a
 * cloud, so each group's remaining jobs are packed into empty workers of its shape, and booting
 * workers are handed to groups by maximum flow over the clouds each group may use; the packed
 * workers no booting worker covers are what the group wants booted. Planning again on the
 * resulting pool therefore covers the same jobs with the workers just booted.
 */
export function absorbDemand(
  groups: readonly ClassGroup[],
  existing: readonly ExistingWorker[],
): Absorption {
  const registered = new Map<string, RegisteredBin[]>();
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
    const list = registered.get(key) ?? [];
    list.push({ cloud, worker, free, jobs: 0 });
    registered.set(key, list);
  }
  for (const list of registered.values()) list.sort(compareRegistered);

  const packings = new Map<ClassGroup, GroupPacking>();
  for (const group of [...groups].sort(compareGroupsForAbsorbing)) {
    const clouds = new Set(group.clouds);
    const all = registered.get(group.shape.key) ?? [];
    const ours = all.filter((bin) => clouds.has(bin.cloud));
    const bins: NewWorkerBin[] = [];
    const open = (): NewWorkerBin => ({ free: { ...group.shape.capacity }, jobs: 0, runs: [] });
    for (const demandClass of group.classes) {
      const { size, jobs } = demandClass;
      let at = placeMany(ours, size, jobs.length, undefined, (bin, _index, n) => {
        bin.jobs += n;
      });
      placeMany(bins, size, jobs.length - at, open, (bin, _index, n) => {
        bin.jobs += n;
        bin.runs.push({ demandClass, from: at, count: n });
        at += n;
      });
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
  for (const list of registered.values()) {
    for (const bin of list) if (bin.jobs > 0) needed.add(bin.worker.name);
  }
  return { packings: groups.map((g) => packings.get(g) as GroupPacking), needed };
}
