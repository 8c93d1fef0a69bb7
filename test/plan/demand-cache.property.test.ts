// The demand cache against fresh classification, over random multi-cycle worlds with churn:
// every cycle jobs arrive (after the last id, or anywhere, with ids that sort oddly as text),
// finish (one by one or a whole run), are edited (condor_qedit RequestMemory, RequestCpus,
// +VMType, +TargetClouds, +VMKeepAlive, JobPrio), held, released, start running; now and then
// the list comes in another order, an id is listed twice, a job object is edited in place, or
// the config changes. Each cycle the plan with the cache must equal the plan without it, and
// the demand itself must say the same.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Job } from "../../scheduler/condor/types.js";
import type { Config } from "../../scheduler/config/schema.js";
import { classifyDemand, type Demand } from "../../scheduler/plan/demand.js";
import { DemandCache } from "../../scheduler/plan/demand-cache.js";
import { plan } from "../../scheduler/plan/plan.js";
import type { PlanInput } from "../../scheduler/plan/types.js";
import { configArb, worldArb } from "./arbitrary-world.js";
import { NOW } from "./world.js";

const ODD_IDS = ["1.10", "1.9", "10.0", "9.1", "1.0", "x.1", "12345678.1", "1.1234567", "07.1"];

const editArb = fc.oneof(
  // Few values, so an edit often goes back to what the job asked before.
  fc.record({
    field: fc.constant("memory" as const),
    value: fc.constantFrom(0, 512, 1024, 2048, 9000),
  }),
  fc.record({ field: fc.constant("cpus" as const), value: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ field: fc.constant("disk" as const), value: fc.constantFrom(0, 1e6, 4e6) }),
  fc.record({
    field: fc.constant("state" as const),
    value: fc.constantFrom("idle", "held", "running", "idle"),
  }),
  fc.record({ field: fc.constant("vmType" as const), value: fc.constantFrom("t", "u", "nope") }),
  fc.record({
    field: fc.constant("targets" as const),
    value: fc.option(fc.subarray(["a", "b", "a-b", "c", "zz"], { minLength: 1 }), {
      nil: undefined,
    }),
  }),
  fc.record({ field: fc.constant("keepAlive" as const), value: fc.constantFrom(0, 15, 90) }),
  fc.record({ field: fc.constant("priority" as const), value: fc.integer({ min: -2, max: 2 }) }),
  fc.record({ field: fc.constant("owner" as const), value: fc.constantFrom("ann", "bob", "dee") }),
  fc.record({ field: fc.constant("nan" as const), value: fc.constant(0) }),
);
type Edit = typeof editArb extends fc.Arbitrary<infer T> ? T : never;

const cycleArb = fc.record({
  adds: fc.array(
    fc.record({
      at: fc.oneof({ weight: 4, arbitrary: fc.constant(-1) }, fc.nat()),
      id: fc.option(fc.constantFrom(...ODD_IDS), { nil: undefined, freq: 4 }),
      template: fc.nat(),
      edit: fc.option(editArb, { nil: undefined }),
    }),
    { maxLength: 6 },
  ),
  removals: fc.array(fc.nat(), { maxLength: 4 }),
  removeRun: fc.option(fc.record({ from: fc.nat(), length: fc.integer({ min: 1, max: 30 }) }), {
    nil: undefined,
    freq: 4,
  }),
  edits: fc.array(fc.record({ at: fc.nat(), edit: editArb }), { maxLength: 6 }),
  /** The scenario's flipped job: its RequestMemory goes up 512 MiB or back (edited to and fro). */
  flip: fc.boolean(),
  /** Jobs set back to how the first cycle listed them (condor_qedit undone, released). */
  reverts: fc.array(fc.nat(), { maxLength: 3 }),
  inPlace: fc.option(fc.record({ at: fc.nat(), edit: editArb }), { nil: undefined, freq: 6 }),
  reorder: fc.constantFrom("none", "none", "none", "none", "none", "none", "reverse", "rotate"),
  duplicate: fc.constantFrom(false, false, false, false, false, false, false, false, true),
  newConfig: fc.constantFrom(false, false, false, false, false, false, false, true),
});
type Cycle = typeof cycleArb extends fc.Arbitrary<infer T> ? T : never;

const scenarioArb = fc.record({
  world: worldArb,
  cycles: fc.array(cycleArb, { minLength: 2, maxLength: 10 }),
  flipAt: fc.nat(),
  configs: fc.array(configArb, { minLength: 1, maxLength: 2 }),
});

function edited(job: Job, edit: Edit): Job {
  const copy: Job = { ...job };
  applyEdit(copy, edit);
  return copy;
}

function applyEdit(job: Job, edit: Edit): void {
  switch (edit.field) {
    case "memory":
      job.requestMemoryMb = edit.value;
      break;
    case "cpus":
      job.requestCpus = edit.value;
      break;
    case "disk":
      job.requestDiskKb = edit.value;
      break;
    case "state":
      job.state = edit.value;
      break;
    case "vmType":
      job.vmType = edit.value;
      break;
    case "targets":
      if (edit.value === undefined) delete job.targetClouds;
      else job.targetClouds = edit.value;
      break;
    case "keepAlive":
      job.vmKeepAliveMinutes = edit.value;
      break;
    case "priority":
      job.priority = edit.value;
      break;
    case "owner":
      job.owner = edit.value;
      break;
    case "nan":
      job.requestMemoryMb = Number.NaN;
      break;
  }
}

/** The next cycle's job list from this one's. */
function churn(
  jobs: Job[],
  cycle: Cycle,
  nextCluster: () => number,
  first: ReadonlyMap<string, Job> = new Map(),
  flipId?: string,
): Job[] {
  let list = jobs.map((job) => job);
  const flipAt = list.findIndex((job) => job.id === flipId);
  if (cycle.flip && flipAt >= 0) {
    const job = list[flipAt] as Job;
    const memory = first.get(job.id)?.requestMemoryMb ?? 0;
    list[flipAt] = {
      ...job,
      requestMemoryMb: job.requestMemoryMb === memory ? memory + 512 : memory,
    };
  }
  for (const at of cycle.reverts) {
    if (list.length === 0) break;
    const i = at % list.length;
    const original = first.get((list[i] as Job).id);
    if (original) list[i] = { ...original };
  }
  for (const { at, edit } of cycle.edits) {
    if (list.length === 0) break;
    const i = at % list.length;
    list[i] = edited(list[i] as Job, edit);
  }
  if (cycle.inPlace && list.length > 0) {
    // A caller that edits its job objects in place: the cache must not rely on them.
    applyEdit(list[cycle.inPlace.at % list.length] as Job, cycle.inPlace.edit);
  }
  for (const at of cycle.removals) {
    if (list.length > 0) list.splice(at % list.length, 1);
  }
  if (cycle.removeRun && list.length > 0) {
    list.splice(cycle.removeRun.from % list.length, cycle.removeRun.length);
  }
  for (const add of cycle.adds) {
    const template = jobs.length > 0 ? (jobs[add.template % jobs.length] as Job) : undefined;
    let job: Job = {
      id: add.id ?? `${nextCluster()}.0`,
      owner: template?.owner ?? "ann",
      state: "idle",
      queuedAt: NOW - 5,
      stateSince: NOW - 5,
      requestCpus: template?.requestCpus ?? 1,
      requestMemoryMb: template?.requestMemoryMb ?? 512,
      requestDiskKb: template?.requestDiskKb ?? 1000,
      priority: 0,
      vmType: template?.vmType ?? "t",
    };
    if (add.edit) job = edited(job, add.edit);
    if (add.id !== undefined && list.some((j) => j.id === add.id)) continue;
    if (add.at < 0 || list.length === 0) list.push(job);
    else list.splice(add.at % (list.length + 1), 0, job);
  }
  if (cycle.reorder === "reverse") list.reverse();
  if (cycle.reorder === "rotate" && list.length > 1) {
    list = [...list.slice(list.length >> 1), ...list.slice(0, list.length >> 1)];
  }
  if (cycle.duplicate && list.length > 0) list.push({ ...(list[0] as Job) });
  return list;
}

/** What a Demand says, in terms that do not depend on how it numbers or ranks things. */
function meaning(demand: Demand) {
  const ids = (jobs: Int32Array) => Array.from(jobs, (i) => (demand.jobs[i] as Job).id);
  const matched = demand.groups.flatMap((g) => g.classes.flatMap((c) => Array.from(c.jobs)));
  const byIdOrder = [...matched].sort(
    (a, b) => (demand.idOrder[a] as number) - (demand.idOrder[b] as number) || a - b,
  );
  return {
    groups: demand.groups.map((g) => ({
      key: g.key,
      shape: g.shape,
      clouds: g.clouds,
      jobCount: g.jobCount,
      classes: g.classes.map((c) => ({ size: c.size, jobs: ids(c.jobs) })),
    })),
    rejected: demand.rejected,
    owners: demand.owners,
    idleJobs: demand.idleJobs,
    perJob: [...matched]
      .sort((a, b) => a - b)
      .map((i) => [
        i,
        demand.owners[demand.owner[i] as number],
        demand.keepAlive[i],
        demand.priority[i],
        demand.queuedAt[i],
      ]),
    idOrder: byIdOrder,
  };
}

function planOf(input: PlanInput, cache?: DemandCache) {
  return plan(cache ? { ...input, demandCache: cache } : input);
}

describe("DemandCache over random multi-cycle worlds with churn", () => {
  it("plans exactly as fresh classification, cycle after cycle (property)", () => {
    fc.assert(
      fc.property(scenarioArb, ({ world, cycles, configs, flipAt }) => {
        // One cache classifies, the other plans: each sees every cycle once.
        const demandCache = new DemandCache();
        const planCache = new DemandCache();
        let cluster = world.jobs.length + 100;
        const nextCluster = () => ++cluster;
        let jobs = world.jobs;
        const first = new Map(world.jobs.map((job) => [job.id, job]));
        const flipId = world.jobs[flipAt % Math.max(1, world.jobs.length)]?.id;
        let config: Config = world.config;
        cycles.forEach((cycle, n) => {
          if (cycle.newConfig) config = configs[n % configs.length] as Config;
          // Each cycle the parser hands over new objects, as condor_q's answer is parsed anew.
          const listed = n % 3 === 2 ? jobs : structuredClone(jobs);
          const input: PlanInput = { ...world, config, jobs: listed };
          expect(meaning(demandCache.classify(config, listed)), `cycle ${n}: demand`).toEqual(
            meaning(classifyDemand(config, listed)),
          );
          expect(planOf(input, planCache), `cycle ${n}: plan`).toEqual(planOf(input));
          jobs = churn(listed, cycle, nextCluster, first, flipId);
        });
      }),
      { numRuns: 200 },
    );
  });

  it("keeps only the jobs still listed", () => {
    fc.assert(
      fc.property(worldArb, fc.array(cycleArb, { minLength: 1, maxLength: 4 }), (world, cycles) => {
        const cache = new DemandCache();
        let cluster = 1000;
        let jobs = world.jobs;
        for (const cycle of cycles) {
          cache.classify(world.config, jobs);
          // An id listed twice for two jobs with demand makes it start afresh (classifyDemand
          // orders those): then it keeps nothing.
          const unique = new Set(jobs.map((j) => j.id)).size === jobs.length;
          if (unique) expect(cache.size).toBe(jobs.length);
          else expect([jobs.length, 0]).toContain(cache.size);
          jobs = churn(jobs, cycle, () => ++cluster);
        }
      }),
      { numRuns: 100 },
    );
  });
});
