// While the demand side of the planner is rewritten (issue 15): the new plan() must give exactly
// the result of the frozen old one (test/plan/legacy/) on random worlds. Removed, with the frozen
// copy, once the new planner stands alone.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { benchWorld } from "../../bench/plan.js";
import type { Job } from "../../scheduler/condor/types.js";
import { plan } from "../../scheduler/plan/plan.js";
import type { PlanInput } from "../../scheduler/plan/types.js";
import { worldArb } from "./arbitrary-world.js";
import { plan as legacyPlan } from "./legacy/plan.js";
import { NOW } from "./world.js";

let compared = 0;

function same(input: PlanInput): void {
  const expected = legacyPlan(structuredClone(input));
  const actual = plan(structuredClone(input));
  expect(actual).toStrictEqual(expected);
  compared++;
}

const OWNERS = ["ann", "bob", "cy", "dee", "ed"];

/** Job ids that stress text order ("10.0" < "9.1"), duplicates and odd ids. */
const idArb = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 130 }), fc.integer({ min: 0, max: 1200 }))
      .map(([c, p]) => `${c}.${p}`),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.stringMatching(/^\d{1,7}$/), fc.stringMatching(/^\d{1,6}$/))
      .map(([c, p]) => `${c}.${p}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom("x", "1.0.0", "", "01.2", "12345678.1", "1.1234567", "é.1", "1.0"),
  },
);

/** Many idle jobs of few sizes: owners, priorities and queue times that tie, keep-alives. */
function richJobs(types: string[]): fc.Arbitrary<Job[]> {
  const job = fc.record({
    id: idArb,
    owner: fc.constantFrom(...OWNERS),
    state: fc.constantFrom("idle", "idle", "idle", "idle", "idle", "running"),
    vmType: fc.constantFrom(...types, ...types, ...types, "nope"),
    cpus: fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 2 }) },
      fc.double({ min: 0, max: 3, noNaN: true }),
    ),
    memory: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(0, 512, 1024, 2048) },
      fc.double({ min: 0, max: 4096, noNaN: true }),
    ),
    disk: fc.constantFrom(0, 1024, 1_048_576, 3_000_000),
    image: fc.option(fc.constantFrom("i1", "i2"), { nil: undefined, freq: 10 }),
    flavor: fc.option(fc.constantFrom("f1", "f2"), { nil: undefined, freq: 10 }),
    target: fc.option(fc.subarray(["a", "b", "a-b", "c", "zz"], { minLength: 1 }), {
      nil: undefined,
      freq: 6,
    }),
    keepAlive: fc.option(fc.oneof(fc.integer({ min: 0, max: 60 }), fc.double({ max: 60 })), {
      nil: undefined,
      freq: 4,
    }),
    age: fc.constantFrom(0, 10, 10, 20, 3600),
    priority: fc.oneof(fc.integer({ min: -1, max: 2 }), fc.constant(0.5)),
  });
  return fc.array(job, { maxLength: 160 }).map((list) =>
    list.map(
      (r): Job => ({
        id: r.id,
        owner: r.owner,
        state: r.state,
        queuedAt: NOW - r.age,
        stateSince: NOW - r.age,
        requestCpus: r.cpus,
        requestMemoryMb: r.memory,
        requestDiskKb: r.disk,
        priority: r.priority,
        vmType: r.vmType,
        ...(r.image === undefined ? {} : { vmImage: r.image }),
        ...(r.flavor === undefined ? {} : { vmFlavor: r.flavor }),
        ...(r.target === undefined ? {} : { targetClouds: r.target }),
        ...(r.keepAlive === undefined ? {} : { vmKeepAliveMinutes: r.keepAlive }),
      }),
    ),
  );
}

const richWorldArb: fc.Arbitrary<PlanInput> = worldArb.chain((input) =>
  richJobs(Object.keys(input.config.vm_types)).map((jobs) => ({
    ...input,
    jobs: [...input.jobs, ...jobs],
  })),
);

describe("the new planner against the frozen old one", () => {
  it("plans random worlds exactly as before", () => {
    fc.assert(fc.property(worldArb, same), { numRuns: 4000 });
  });

  it("plans random worlds of many jobs, odd ids and tied owners exactly as before", () => {
    fc.assert(fc.property(richWorldArb, same), { numRuns: 4000 });
  });

  it("plans scaled-down benchmark worlds exactly as before", () => {
    for (let seed = 1; seed <= 12; seed++) {
      same(benchWorld({ jobs: 400 * seed, clouds: 2 + seed, workers: 50 * seed, owners: 7, seed }));
    }
    process.stdout.write(`legacy-compare: ${compared} worlds compared\n`);
  });
});
