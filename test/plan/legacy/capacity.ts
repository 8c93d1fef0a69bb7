// What existing workers can still take: a booting worker will take jobs when it registers, and
// a registered one has what its partitionable slot reports as left. Idle demand fills these
// first; only what remains needs new workers.
import type { ObservedWorker } from "../../../scheduler/condor/types.js";
import type { PoolWorker } from "../../../scheduler/pool/types.js";
import { assignByMaxFlow } from "./flow.js";
import { compareText } from "./match.js";
import { type Bin, compareSizeDescending, emptyBin, FirstFit } from "./pack.js";
import type { DemandGroup, DemandJob, Size } from "./types.js";

export interface WorkerBin extends Bin<DemandJob> {
  cloud: string;
  worker: PoolWorker;
}

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
function compareRegistered(a: WorkerBin, b: WorkerBin): number {
  const recency = (bin: WorkerBin) => bin.worker.idleSince ?? Number.MAX_SAFE_INTEGER;
  return (
    recency(b) - recency(a) ||
    a.worker.createdAt - b.worker.createdAt ||
    compareText(a.worker.name, b.worker.name)
  );
}

/** Largest job first, then job id: the order first-fit decreasing packs in. */
export function compareDemandForPacking(a: DemandJob, b: DemandJob): number {
  return compareSizeDescending(a.size, b.size) || compareText(a.job.id, b.job.id);
}

/**
 * Groups in the order they fill registered workers: the most restricted (fewest clouds) first,
 * so they are not crowded out of their few clouds by jobs that could go anywhere.
 */
export function compareGroupsForAbsorbing(a: DemandGroup, b: DemandGroup): number {
  return a.clouds.length - b.clouds.length || compareText(a.key, b.key);
}

export interface ExistingWorker {
  cloud: string;
  worker: PoolWorker;
  seen: ObservedWorker | undefined;
}

export interface Absorption {
  /** Per group key: the new workers (packed first-fit decreasing) its remaining jobs need. */
  wanted: Map<string, Bin<DemandJob>[]>;
  /** Registered workers that idle jobs were counted on: not to be retired. */
  needed: Set<string>;
}

/**
 * Counts idle jobs on existing workers. Registered workers with room go first (first-fit
 * decreasing, group by group). Booting workers are empty and interchangeable within a cloud, so
 * each group's remaining jobs are packed into empty workers of its shape, and booting workers are
 * handed to groups by maximum flow over the clouds each group may use; the packed workers no
 * booting worker covers are what the group wants booted. Planning again on the resulting pool
 * therefore covers the same jobs with the workers just booted.
 */
export function absorb(
  groups: readonly DemandGroup[],
  existing: readonly ExistingWorker[],
): Absorption {
  const registered = new Map<string, WorkerBin[]>();
  const booting = new Map<string, WorkerBin[]>();
  for (const { cloud, worker, seen } of existing) {
    const free = freeCapacity(worker, seen);
    if (!free) continue;
    const byShape = worker.state === "booting" ? booting : registered;
    const key = shapeKeyOf(worker);
    const list = byShape.get(key) ?? [];
    list.push({ cloud, worker, free, items: [] });
    byShape.set(key, list);
  }
  for (const list of registered.values()) list.sort(compareRegistered);

  const ordered = [...groups].sort(compareGroupsForAbsorbing);
  const packed = new Map<string, Bin<DemandJob>[]>();
  for (const group of ordered) {
    const clouds = new Set(group.clouds);
    const bins = (registered.get(group.shape.key) ?? []).filter((bin) => clouds.has(bin.cloud));
    const intoRegistered = new FirstFit<DemandJob>(bins);
    const intoNew = new FirstFit<DemandJob>([], () => emptyBin(group.shape.capacity));
    for (const demand of [...group.jobs].sort(compareDemandForPacking)) {
      if (intoRegistered.place(demand, demand.size) < 0) intoNew.place(demand, demand.size);
    }
    packed.set(group.key, intoNew.bins);
  }

  const wanted = new Map<string, Bin<DemandJob>[]>();
  const shapes = [...new Set(ordered.map((g) => g.shape.key))].sort(compareText);
  for (const shape of shapes) {
    const shapeGroups = ordered.filter((g) => g.shape.key === shape);
    const bootingByCloud = new Map<string, number>();
    for (const bin of booting.get(shape) ?? []) {
      bootingByCloud.set(bin.cloud, (bootingByCloud.get(bin.cloud) ?? 0) + 1);
    }
    const clouds = [...bootingByCloud.keys()].sort(compareText);
    const flow = assignByMaxFlow(
      shapeGroups.map((g) => packed.get(g.key)?.length ?? 0),
      clouds.map((c) => bootingByCloud.get(c) ?? 0),
      (g, c) => (shapeGroups[g] as DemandGroup).clouds.includes(clouds[c] as string),
    );
    shapeGroups.forEach((group, g) => {
      const covered = (flow[g] ?? []).reduce((sum, n) => sum + n, 0);
      wanted.set(group.key, (packed.get(group.key) ?? []).slice(covered));
    });
  }

  const needed = new Set<string>();
  for (const list of registered.values()) {
    for (const bin of list) if (bin.items.length > 0) needed.add(bin.worker.name);
  }
  return { wanted, needed };
}
