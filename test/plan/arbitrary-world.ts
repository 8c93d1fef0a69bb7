// fast-check generators of random small worlds: clouds with random quotas and weights, VM types,
// jobs of several owners and shapes, pools in every state, and what HTCondor reports of them.
import fc from "fast-check";
import type { Job, ObservedWorker } from "../../scheduler/condor/types.js";
import { type Config, configSchema } from "../../scheduler/config/schema.js";
import type { PlanInput } from "../../scheduler/plan/types.js";
import type { PoolWorker, WorkerState } from "../../scheduler/pool/types.js";
import { NOW, startd } from "./world.js";

const CLOUDS = ["a", "b", "a-b", "c"];
const TYPES = ["t", "u", "b-t"];
const IMAGES = ["i1", "i2"];
const FLAVORS = ["f1", "f2"];
const OWNERS = ["ann", "bob", "cy"];

type ValueOf<A> = A extends fc.Arbitrary<infer T> ? T : never;

const subset = <T>(items: readonly T[]) => fc.subarray([...items], { minLength: 1 });

const cloudArb = fc.record({
  /** 0 (one in six): disabled. */
  disabled: fc.integer({ min: 0, max: 5 }),
  weight: fc.integer({ min: 1, max: 3 }),
  instances: fc.integer({ min: 1, max: 8 }),
  cores: fc.integer({ min: 2, max: 24 }),
  ram: fc.integer({ min: 4, max: 48 }).map((n) => n * 1024),
  images: fc.oneof({ weight: 3, arbitrary: fc.constant(IMAGES) }, subset(IMAGES)),
  flavors: fc.oneof({ weight: 3, arbitrary: fc.constant(FLAVORS) }, subset(FLAVORS)),
});

const vmTypeArb = fc.record({
  image: fc.constantFrom(...IMAGES),
  flavor: fc.constantFrom(...FLAVORS),
  cores: fc.integer({ min: 1, max: 4 }),
  ram: fc.integer({ min: 1, max: 8 }).map((n) => n * 1024),
  disk: fc.integer({ min: 10, max: 40 }),
  maxInstances: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
  keepAlive: fc.option(fc.integer({ min: 0, max: 1200 }), { nil: undefined }),
  clouds: fc.option(subset(CLOUDS), { nil: undefined, freq: 4 }),
});

export const configArb: fc.Arbitrary<Config> = fc
  .record({
    clouds: fc.uniqueArray(fc.constantFrom(...CLOUDS), { minLength: 1, maxLength: 4 }),
    cloudSettings: fc.array(cloudArb, { minLength: 4, maxLength: 4 }),
    types: fc.uniqueArray(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 3 }),
    typeSettings: fc.array(vmTypeArb, { minLength: 3, maxLength: 3 }),
    maxBoots: fc.integer({ min: 1, max: 4 }),
    bootTimeout: fc.integer({ min: 121, max: 1200 }),
    idleKeepAlive: fc.integer({ min: 0, max: 1200 }),
    drainTimeout: fc.integer({ min: 0, max: 5000 }),
    retireWith: fc.constantFrom("drain", "peaceful-off"),
    // The policy knobs (keep-alive.ts, ramp.ts, cancel.ts): every property holds whichever is on.
    keepAliveMode: fc.constantFrom("fixed", "adaptive", "per-core", "break-even"),
    capAtReboot: fc.boolean(),
    cancelAge: fc.constantFrom(0, 0, 90, 3600),
    coreSeconds: fc.constantFrom(0, 120, 600),
    rampHold: fc.constantFrom(0, 0, 120, 600),
    rampMinCores: fc.constantFrom(0, 2),
  })
  .map((r) =>
    configSchema.parse({
      version: 1,
      clouds: Object.fromEntries(
        r.clouds.map((name, i) => {
          const c = r.cloudSettings[i] as ValueOf<typeof cloudArb>;
          return [
            name,
            {
              cloud: name,
              network: "net",
              enabled: c.disabled !== 0,
              weight: c.weight,
              quota: { instances: c.instances, cores: c.cores, ram_mb: c.ram },
              images: c.images,
              flavors: c.flavors,
            },
          ];
        }),
      ),
      vm_types: Object.fromEntries(
        r.types.map((name, i) => {
          const t = r.typeSettings[i] as ValueOf<typeof vmTypeArb>;
          return [
            name,
            {
              image: t.image,
              flavor: t.flavor,
              cores: t.cores,
              ram_mb: t.ram,
              disk_gb: t.disk,
              ...(t.maxInstances === undefined ? {} : { max_instances: t.maxInstances }),
              ...(t.keepAlive === undefined ? {} : { keep_alive: t.keepAlive }),
              ...(t.clouds === undefined ? {} : { clouds: t.clouds }),
            },
          ];
        }),
      ),
      ports: { worker_cidrs: ["0.0.0.0/0"] },
      policy: {
        max_boots_per_cycle: r.maxBoots,
        boot_timeout: r.bootTimeout,
        idle_keep_alive: r.idleKeepAlive,
        drain_timeout: r.drainTimeout,
        retire_with: r.retireWith,
        keep_alive: {
          mode: r.keepAliveMode,
          core_seconds: r.coreSeconds,
          cap_at_reboot: r.capAtReboot,
        },
        ramp: { max_hold: r.rampHold, min_cores: r.rampMinCores },
        cancel_boots: { max_age: r.cancelAge },
      },
    }),
  );

function jobArb(config: Config): fc.Arbitrary<Job> {
  const types = Object.keys(config.vm_types);
  return fc
    .record({
      owner: fc.constantFrom(...OWNERS),
      state: fc.constantFrom("idle", "idle", "idle", "idle", "running", "held"),
      vmType: fc.option(fc.constantFrom(...types, ...types, "nope"), { nil: undefined, freq: 8 }),
      // Mostly jobs that fit; now and then one too big for any VM type.
      cpus: fc.oneof(
        { weight: 9, arbitrary: fc.integer({ min: 0, max: 2 }) },
        fc.integer({ min: 3, max: 1e9 }),
      ),
      memory: fc.oneof(
        { weight: 9, arbitrary: fc.integer({ min: 0, max: 1024 }) },
        fc.integer({ min: 0, max: 9000 }),
      ),
      disk: fc.oneof(
        { weight: 9, arbitrary: fc.integer({ min: 0, max: 4 * 1024 * 1024 }) },
        fc.integer({ min: 0, max: 50 * 1024 * 1024 }),
      ),
      image: fc.option(fc.constantFrom(...IMAGES, "evil\nimage"), { nil: undefined, freq: 8 }),
      flavor: fc.option(fc.constantFrom(...FLAVORS), { nil: undefined, freq: 8 }),
      target: fc.option(subset([...CLOUDS, "zz"]), { nil: undefined, freq: 6 }),
      keepAlive: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined, freq: 4 }),
      age: fc.integer({ min: 0, max: 3600 }),
      priority: fc.integer({ min: -2, max: 2 }),
    })
    .map(
      (r): Job => ({
        id: "",
        owner: r.owner,
        state: r.state,
        queuedAt: NOW - r.age,
        stateSince: NOW - r.age,
        requestCpus: r.cpus,
        requestMemoryMb: r.memory,
        requestDiskKb: r.disk,
        priority: r.priority,
        ...(r.vmType === undefined ? {} : { vmType: r.vmType }),
        ...(r.image === undefined ? {} : { vmImage: r.image }),
        ...(r.flavor === undefined ? {} : { vmFlavor: r.flavor }),
        ...(r.target === undefined ? {} : { targetClouds: r.target }),
        ...(r.keepAlive === undefined ? {} : { vmKeepAliveMinutes: r.keepAlive }),
      }),
    );
}

const workerArb = fc.record({
  cloud: fc.constantFrom(...CLOUDS, ...CLOUDS, "gone"),
  type: fc.constantFrom(...TYPES, ...TYPES, "old"),
  state: fc.constantFrom<WorkerState>("booting", "registered", "registered", "draining", "failed"),
  age: fc.integer({ min: 0, max: 3000 }),
  idle: fc.integer({ min: 0, max: 2000 }),
  drainAge: fc.integer({ min: 0, max: 6000 }),
  seen: fc.constantFrom(
    "absent",
    "idle",
    "idle",
    "idle",
    "busy",
    "busy",
    "draining-idle",
    "draining-busy",
  ),
  running: fc.integer({ min: 1, max: 4 }),
});

export const worldArb: fc.Arbitrary<PlanInput> = configArb.chain((config) =>
  fc
    .record({
      jobs: fc.array(jobArb(config), { maxLength: 40, size: "medium" }),
      workers: fc.array(workerArb, { maxLength: 14 }),
      strangers: fc.integer({ min: 0, max: 2 }),
      unavailable: fc.oneof(
        { weight: 3, arbitrary: fc.constant([]) },
        fc.subarray(CLOUDS, { maxLength: 2 }),
      ),
    })
    .map(({ jobs, workers, strangers, unavailable }): PlanInput => {
      const pools: Record<string, PoolWorker[]> = {};
      const observed: ObservedWorker[] = [];
      workers.forEach((w, i) => {
        const type = config.vm_types[w.type];
        const name = `cs-${w.cloud}-${w.type}-${String(i + 1).padStart(4, "0")}`;
        const worker: PoolWorker = {
          name,
          vmType: w.type,
          image: type?.image ?? "i1",
          flavor: type?.flavor ?? "f1",
          cores: type?.cores ?? 2,
          ramMb: type?.ram_mb ?? 2048,
          diskGb: type?.disk_gb ?? 10,
          state: w.state,
          createdAt: NOW - w.age,
          ...(w.state === "booting" ? {} : { idleSince: NOW - Math.min(w.age, w.idle) }),
          ...(w.state === "draining" ? { drainStartedAt: NOW - w.drainAge } : {}),
          keepAliveSeconds: type?.keep_alive ?? config.policy.idle_keep_alive,
        };
        const list = pools[w.cloud] ?? [];
        list.push(worker);
        pools[w.cloud] = list;
        if (w.seen === "absent") return;
        const running = w.seen.endsWith("busy") ? w.running : 0;
        observed.push(
          startd(name, running, { draining: w.seen.startsWith("draining") }, worker.cores),
        );
      });
      for (let i = 0; i < strangers; i++) observed.push(startd(undefined, i, { machine: `m${i}` }));
      return {
        config,
        jobs: jobs.map((job, i) => ({ ...job, id: `${i + 1}.0` })),
        workers: observed,
        pools,
        now: NOW,
        unavailableClouds: new Set(unavailable),
      };
    }),
);
