// absorbDemand fills registered workers first fit, job by job: each job of a group goes to the
// first worker (in fill order: busy ones, then the most recently idle, then the oldest, then by
// name) on one of the group's clouds with room for it, the most restricted groups first. The
// property: on random workers and groups, the same jobs absorbed and the same workers needed as
// that rule applied one job at a time.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { absorbDemand, type ExistingWorker } from "../../scheduler/plan/capacity.js";
import type { ClassGroup } from "../../scheduler/plan/demand.js";
import type { Shape, Size } from "../../scheduler/plan/types.js";
import { NOW, poolWorker, startd } from "./world.js";

const CLOUDS = ["a", "b", "c"];
const SHAPE: Shape = {
  key: "demo-vm|img|flavor",
  vmType: "demo-vm",
  image: "img",
  flavor: "flavor",
  capacity: { cores: 8, memoryMb: 16_384, diskKb: 20 * 1024 * 1024 },
  cores: 8,
  ramMb: 16_384,
  diskGb: 20,
};

interface WorkerSpec {
  cloud: string;
  freeCores: number;
  freeMemoryMb: number;
  idleFor: number | undefined;
  age: number;
}

const workerArb: fc.Arbitrary<WorkerSpec> = fc.record({
  cloud: fc.constantFrom(...CLOUDS),
  freeCores: fc.integer({ min: 0, max: 8 }),
  freeMemoryMb: fc.constantFrom(0, 1024, 2048, 4096, 8192, 16_384),
  idleFor: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  age: fc.integer({ min: 0, max: 3 }),
});

const sizeArb: fc.Arbitrary<Size> = fc.record({
  cores: fc.integer({ min: 1, max: 8 }),
  memoryMb: fc.constantFrom(512, 2048, 4096),
  diskKb: fc.constant(1024),
});

const groupArb = fc.record({
  clouds: fc.subarray(CLOUDS, { minLength: 1 }),
  classes: fc.array(fc.record({ size: sizeArb, count: fc.integer({ min: 1, max: 12 }) }), {
    minLength: 1,
    maxLength: 4,
  }),
});

function existingOf(specs: WorkerSpec[]): ExistingWorker[] {
  return specs.map((spec, i) => {
    const name = `w${String(i).padStart(3, "0")}`;
    const worker = poolWorker(name, {
      cores: 8,
      ramMb: 16_384,
      diskGb: 20,
      vmType: SHAPE.vmType,
      image: SHAPE.image,
      flavor: SHAPE.flavor,
      createdAt: NOW - 100 * spec.age,
      ...(spec.idleFor === undefined ? {} : { idleSince: NOW - 60 * spec.idleFor }),
    });
    if (spec.idleFor === undefined) delete (worker as { idleSince?: number }).idleSince;
    const seen = startd(name, 0, {}, 8);
    seen.slots = seen.slots.map((slot) => ({
      ...slot,
      cpus: spec.freeCores,
      memoryMb: spec.freeMemoryMb,
    }));
    return { cloud: spec.cloud, worker, seen };
  });
}

function groupsOf(specs: { clouds: string[]; classes: { size: Size; count: number }[] }[]) {
  let job = 0;
  return specs.map((spec, g): ClassGroup => {
    const classes = [...spec.classes]
      .sort(
        (x, y) =>
          y.size.cores - x.size.cores ||
          y.size.memoryMb - x.size.memoryMb ||
          y.size.diskKb - x.size.diskKb,
      )
      .map(({ size, count }) => ({
        size,
        jobs: Int32Array.from({ length: count }, () => job++),
      }));
    return {
      key: `${SHAPE.key}|${g}|${spec.clouds.join(",")}`,
      shape: SHAPE,
      clouds: [...spec.clouds].sort(),
      classes,
      jobCount: classes.reduce((n, c) => n + c.jobs.length, 0),
    };
  });
}

/** The rule one job at a time: per group and class, how many jobs went to registered workers. */
function reference(groups: ClassGroup[], existing: ExistingWorker[]) {
  const bins = existing
    .filter((e) => e.worker.state === "registered" && e.seen && !e.seen.draining)
    .map((e) => {
      const slot = e.seen?.slots[0];
      return {
        e,
        cores: Math.min(e.worker.cores, slot?.cpus ?? 0),
        memoryMb: Math.min(e.worker.ramMb, slot?.memoryMb ?? 0),
        diskKb: e.worker.diskGb * 1024 * 1024,
        used: false,
      };
    })
    .filter((b) => b.cores >= 1)
    .sort(
      (x, y) =>
        (y.e.worker.idleSince ?? Number.MAX_SAFE_INTEGER) -
          (x.e.worker.idleSince ?? Number.MAX_SAFE_INTEGER) ||
        x.e.worker.createdAt - y.e.worker.createdAt ||
        (x.e.worker.name < y.e.worker.name ? -1 : 1),
    );
  const absorbed = new Map<ClassGroup, number[]>();
  const order = [...groups].sort(
    (x, y) => x.clouds.length - y.clouds.length || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0),
  );
  for (const group of order) {
    absorbed.set(
      group,
      group.classes.map(({ size, jobs }) => {
        let n = 0;
        for (let j = 0; j < jobs.length; j++) {
          const bin = bins.find(
            (b) =>
              group.clouds.includes(b.e.cloud) &&
              size.cores <= b.cores &&
              size.memoryMb <= b.memoryMb &&
              size.diskKb <= b.diskKb,
          );
          if (bin === undefined) break;
          bin.cores -= size.cores;
          bin.memoryMb -= size.memoryMb;
          bin.diskKb -= size.diskKb;
          bin.used = true;
          n++;
        }
        return n;
      }),
    );
  }
  return {
    absorbed: groups.map((g) => absorbed.get(g)),
    needed: existing.map((e) => bins.some((b) => b.e === e && b.used)),
  };
}

describe("absorbDemand", () => {
  it("fills registered workers as first fit one job at a time would (property)", () => {
    fc.assert(
      fc.property(
        fc.array(workerArb, { maxLength: 30 }),
        fc.array(groupArb, { minLength: 1, maxLength: 6 }),
        (workerSpecs, groupSpecs) => {
          const groups = groupsOf(groupSpecs);
          const expected = reference(groups, existingOf(workerSpecs));
          const existing = existingOf(workerSpecs);
          const absorption = absorbDemand(groups, existing);
          // Jobs not absorbed went to new workers: the rest of each class was absorbed.
          const absorbed = absorption.packings.map(({ group, bins, first, end }) =>
            group.classes.map((klass, c) => {
              let packed = 0;
              for (let b = first; b < end; b++) {
                for (let run = bins.firstRunOf(b); run !== -1; run = bins.nextRun(run)) {
                  if (bins.runClassOf(run) === c) packed += bins.runCountOf(run);
                }
              }
              return klass.jobs.length - packed;
            }),
          );
          absorption.release();
          expect(absorbed).toEqual(expected.absorbed);
          expect(existing.map((e) => e.needed === true)).toEqual(expected.needed);
        },
      ),
      { numRuns: 500 },
    );
  });
});
