// Benchmark: planning 100k idle jobs over 20 clouds and 10k workers.
// Run with `npx tsx bench/plan.ts` (or `npm run bench plan`). The world is generated with a
// seeded generator: 4 VM types, 50 owners with skewed job counts, 1/2/4-core jobs, some with
// +TargetClouds or +VMKeepAlive; workers booting, idle, busy and draining. Each run plans as a
// cycle does: the worker model first (buildFleet, with every worker's server as the cloud lists
// it and a launch digest, and the running jobs the cycle picked in the one walk that also counts
// the queue for its report: run/cycle.ts, timed in its own row), then plan() on it. The pools
// are as the plan writes them: sorted by name, each entry with the launch digest it booted with
// and, once its ads were seen, its machine; and each entry settled (settle()): what the plan
// left it as, as a steady cycle reads the pools its last cycle wrote (on them the plan removes no
// worker and rewrites only the ~60 it retires). The entries as generated, which every cycle
// would re-observe as if for the first time (1,142 workers removed, 5,668 entries rewritten per
// cycle: the entries through stop 21), are planned the same way after, and shown in their own row.
//
// The goal (a median of at most 50 ms) is judged on the steady state: the second and later
// cycles of a daemon over a 100k-job queue whose jobs churn 1 % per cycle (a third finish, a
// third are new, a third are edited: RequestMemory changed, held, released), each cycle's jobs,
// ads and servers new objects as a cycle's parse of its answers hands them over, planned with
// the demand cache the cycle keeps in
// its memory (scheduler/plan/demand-cache.ts). Beside it, honestly: the cold first cycle (an
// empty cache) and a cycle without the cache (what every cycle cost before). Each figure is a
// median of 11 runs beside one grouping pass over the same jobs (the reference), measured in the
// same run; the steady cycle's CPU time (process.cpuUsage: user + system, which a loaded machine
// sways less than wall time) is given beside the grouping pass's. Peak RSS is the process
// high-water (getrusage), heap is the largest heapUsed right after a plan returns (live data plus
// the plan's garbage not yet collected); the cache's retained size is the heap after a full GC
// with a filled cache minus without it (the jobs it was filled from are live in both).
import { pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { CloudServer } from "../scheduler/cloud/inventory.js";
import type { Job, ObservedWorker, Slot } from "../scheduler/condor/types.js";
import { configSchema } from "../scheduler/config/schema.js";
import { classifyDemand } from "../scheduler/plan/demand.js";
import { DemandCache } from "../scheduler/plan/demand-cache.js";
import { plan } from "../scheduler/plan/plan.js";
import type { PlanInput } from "../scheduler/plan/types.js";
import { formatPoolFile, parsePoolFile } from "../scheduler/pool/store.js";
import type { PoolWorker, WorkerState } from "../scheduler/pool/types.js";
import { buildFleet } from "../scheduler/state/build.js";
import { type LaunchDigests, launchDigest, memoizedLaunch } from "../scheduler/state/launch.js";
import { tallyJobs } from "../scheduler/state/queue-tally.js";
import type { FleetInput } from "../scheduler/state/types.js";
import { type BenchRow, formatRows } from "./lib/row.js";

const JOBS = 100_000;
const CLOUDS = 20;
const WORKERS = 10_000;
const OWNERS = 50;
const RUNS = 11;
const WARMUP = 2;
/** Share of the queue that changes per steady cycle: finished, new and edited, a third each. */
const CHURN = 0.01;
const NOW = 1_795_596_400;
/** Every worker's launch settings, today's and as booted (no drift). */
const BENCH_LAUNCH = launchDigest(["bench"]);
/** The goal for the median plan (issue 15). */
const GOAL_MS = 50;

/** Deterministic pseudo-random numbers (mulberry32), so every run plans the same world. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const VM_TYPES = {
  small: { image: "alma9-condor", flavor: "c2.m4", cores: 2, ram_mb: 4096, disk_gb: 20 },
  medium: { image: "alma9-condor", flavor: "c4.m16", cores: 4, ram_mb: 16_384, disk_gb: 40 },
  large: { image: "alma9-condor", flavor: "c8.m32", cores: 8, ram_mb: 32_768, disk_gb: 80 },
  cvmfs: { image: "cernvm-demo", flavor: "c4.m16", cores: 4, ram_mb: 16_384, disk_gb: 40 },
} as const;
type TypeName = keyof typeof VM_TYPES;
const TYPE_NAMES = Object.keys(VM_TYPES) as TypeName[];

export interface WorldSize {
  jobs: number;
  clouds: number;
  workers: number;
  owners: number;
  seed: number;
  /**
   * Pool entries as the plan leaves them (default): a steady cycle's pools are the ones its last
   * cycle wrote, so the plan finds little to change in them (see settle()). False: the entries
   * as generated, which every cycle re-observes as if for the first time (the entries through
   * stop 21, kept as a row beside the judged one).
   */
  settled?: boolean;
}

export const BENCH_SIZE: WorldSize = {
  jobs: JOBS,
  clouds: CLOUDS,
  workers: WORKERS,
  owners: OWNERS,
  seed: 42,
};

/** Policy defaults the settled entries are made to agree with (config/schema.ts). */
const BOOT_TIMEOUT = 900;
const LOST_GRACE = 900;

export function benchWorld(size: WorldSize = BENCH_SIZE): PlanInput {
  const { jobs: JOBS, clouds: CLOUDS, workers: WORKERS, owners: OWNERS } = size;
  const rnd = random(size.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
  const cloudNames = Array.from(
    { length: CLOUDS },
    (_, i) => `cloud${String(i + 1).padStart(2, "0")}`,
  );
  const config = configSchema.parse({
    version: 1,
    clouds: Object.fromEntries(
      cloudNames.map((name, i) => [
        name,
        {
          cloud: name,
          network: "workers",
          weight: 1 + (i % 3),
          quota: { instances: 600 + 40 * i, cores: 4000 + 200 * i, ram_mb: 16_000_000 },
          flavors: ["c2.m4", "c4.m16", "c8.m32"],
          images: i % 4 === 3 ? ["alma9-condor"] : ["alma9-condor", "cernvm-demo"],
        },
      ]),
    ),
    vm_types: Object.fromEntries(
      TYPE_NAMES.map((name) => [name, { ...VM_TYPES[name], keep_alive: "10m" }]),
    ),
    ports: { worker_cidrs: ["0.0.0.0/0"] },
    policy: { max_boots_per_cycle: 50 },
  });

  const pools: Record<string, PoolWorker[]> = Object.fromEntries(cloudNames.map((c) => [c, []]));
  const observed: ObservedWorker[] = [];
  const busyMachines: string[] = [];
  for (let i = 0; i < WORKERS; i++) {
    const cloud = cloudNames[i % CLOUDS] as string;
    const type = TYPE_NAMES[i % 7 === 0 ? 3 : i % 5 === 0 ? 2 : i % 3 === 0 ? 1 : 0] as TypeName;
    const spec = VM_TYPES[type];
    const name = `cs-${cloud}-${type}-${String(i + 1).padStart(4, "0")}`;
    const roll = rnd();
    const state: WorkerState =
      roll < 0.1 ? "booting" : roll < 0.18 ? "draining" : roll < 0.19 ? "failed" : "registered";
    const entry: PoolWorker = {
      name,
      vmType: type,
      image: spec.image,
      flavor: spec.flavor,
      cores: spec.cores,
      ramMb: spec.ram_mb,
      diskGb: spec.disk_gb,
      state,
      createdAt: NOW - Math.floor(rnd() * 7200),
      idleSince: NOW - Math.floor(rnd() * 1200),
      ...(state === "draining" ? { drainStartedAt: NOW - Math.floor(rnd() * 3600) } : {}),
      keepAliveSeconds: 600,
      // Recorded at boot (plan.ts): what it booted with.
      launch: BENCH_LAUNCH,
    };
    pools[cloud]?.push(entry);
    if (state === "booting" || rnd() < 0.02) continue;
    const running = rnd() < 0.6 ? 1 + Math.floor(rnd() * spec.cores) : 0;
    const machine = `${name}.workers.example.org`;
    // Recorded by the cycle that first saw its ads (lifecycle.ts).
    entry.machine = machine;
    const slots: Slot[] = [
      slotAd(
        `slot1@${machine}`,
        machine,
        name,
        "Partitionable",
        spec.cores - running,
        spec.ram_mb - running * 2048,
      ),
    ];
    for (let j = 1; j <= running; j++) {
      slots.push(slotAd(`slot1_${j}@${machine}`, machine, name, "Dynamic", 1, 2048));
      busyMachines.push(`slot1_${j}@${machine}`);
    }
    observed.push({
      workerName: name,
      machine,
      vmType: type,
      slots,
      runningJobs: running,
      draining: state === "draining" && rnd() < 0.5,
    });
  }

  const owners = Array.from({ length: OWNERS }, (_, i) => `user${String(i).padStart(2, "0")}`);
  const jobs: Job[] = [];
  for (let i = 0; i < JOBS; i++) {
    // Skewed: a few owners submit most jobs.
    const owner = owners[Math.floor(OWNERS * rnd() ** 3)] as string;
    const type = pick(TYPE_NAMES);
    const cores = pick([1, 1, 1, 1, 2, 2, 4]);
    const fitCores = Math.min(cores, VM_TYPES[type].cores);
    jobs.push({
      id: `${1 + Math.floor(i / 1000)}.${i % 1000}`,
      owner,
      state: "idle",
      queuedAt: NOW - Math.floor(rnd() * 86_400),
      stateSince: NOW - 60,
      requestCpus: fitCores,
      requestMemoryMb: fitCores * pick([1024, 2000, 2048]),
      requestDiskKb: 1_048_576 * pick([1, 2, 5]),
      priority: pick([0, 0, 0, 5]),
      vmType: type,
      ...(rnd() < 0.05 ? { targetClouds: [pick(cloudNames), pick(cloudNames)] } : {}),
      ...(rnd() < 0.1 ? { vmKeepAliveMinutes: pick([15, 30, 60]) } : {}),
    });
  }
  for (const remoteHost of busyMachines) {
    jobs.push({
      id: `${900_000 + jobs.length}.0`,
      owner: pick(owners),
      state: "running",
      queuedAt: NOW - 3600,
      stateSince: NOW - 600,
      requestCpus: 1,
      requestMemoryMb: 2048,
      requestDiskKb: 1_048_576,
      priority: 0,
      vmType: "small",
      remoteHost,
    });
  }
  // Sorted by name, as the plan writes pools and a cycle reads them back from the pool files.
  for (const pool of Object.values(pools)) pool.sort((a, b) => (a.name < b.name ? -1 : 1));
  if (size.settled !== false) settle(pools, observed);
  return {
    config,
    jobs,
    workers: observed,
    pools,
    now: NOW,
    unavailableClouds: new Set(["cloud07"]),
  };
}

/**
 * Makes each pool entry what the plan (lifecycle.ts, retire.ts) would have left it as after the
 * cycles that led here, with the same workers, ads and jobs: a daemon's steady cycle reads the
 * pools its last cycle wrote. The entries as generated are a first look: every cycle would
 * again remove the booting workers past boot_timeout and the idle ones reported failed or
 * drained empty, bring back the draining ones whose drain was never seen, and copy every busy
 * worker's entry to drop its idleSince (1,142 removed and 5,668 entries rewritten per cycle).
 * Settled: booting workers are younger than boot_timeout; "failed" ones are registered (nothing
 * writes "failed"); a busy worker has no idleSince; a worker the collector lost has its
 * missingSince; a draining worker shows draining in its ads once busy (condor_drain marks them at
 * once), and an idle one was asked 30 s ago (its ads not yet draining). No randomness: the jobs
 * and ads are the same as the unsettled world's. The entries are then written and read back as
 * pool files (a daemon reads its pools from the config repo).
 */
function settle(pools: Record<string, PoolWorker[]>, observed: ObservedWorker[]): void {
  const adsOf = new Map(observed.map((w) => [w.workerName, w]));
  for (const pool of Object.values(pools)) {
    for (let i = 0; i < pool.length; i++) {
      const entry = pool[i] as PoolWorker;
      const ads = adsOf.get(entry.name);
      const { idleSince, drainStartedAt, ...rest } = entry;
      const settled: PoolWorker = { ...rest };
      // Nothing writes "failed"; a draining worker gone from condor_status is removed at once.
      if (entry.state === "failed" || (entry.state === "draining" && ads === undefined)) {
        settled.state = "registered";
      }
      const busy = (ads?.runningJobs ?? 0) > 0;
      if (settled.state === "booting") {
        settled.createdAt = NOW - ((NOW - entry.createdAt) % Math.floor(BOOT_TIMEOUT * 0.8));
      } else if (!busy && settled.state === "registered") {
        settled.idleSince = idleSince ?? NOW;
      }
      if (settled.state === "draining") {
        if (ads !== undefined) ads.draining = busy;
        settled.drainStartedAt = busy ? (drainStartedAt ?? NOW) : NOW - 30;
      }
      if (ads === undefined && settled.state === "registered") {
        settled.missingSince = NOW - ((NOW - entry.createdAt) % Math.floor(LOST_GRACE * 0.8));
      }
      pool[i] = settled;
    }
  }
  // As a cycle reads them: through the pool files' text and parser (key order, object shapes).
  for (const [cloud, pool] of Object.entries(pools)) {
    const file = formatPoolFile({ version: 1, cloud, workers: pool });
    pools[cloud] = parsePoolFile(file, `pools/${cloud}.json`, cloud).workers;
  }
}

function slotAd(
  name: string,
  machine: string,
  workerName: string,
  slotType: Slot["slotType"],
  cpus: number,
  memoryMb: number,
): Slot {
  return {
    name,
    machine,
    slotType,
    state: slotType === "Dynamic" ? "Claimed" : "Unclaimed",
    activity: slotType === "Dynamic" ? "Busy" : "Idle",
    cpus,
    memoryMb,
    workerName,
    draining: false,
  };
}

/**
 * The reference: one pass over the jobs that groups them by a string key (owner and VM type),
 * the least any planner that looks at each job does.
 */
export function groupingPass(jobs: readonly Job[]): number {
  const groups = new Map<string, Job[]>();
  for (const job of jobs) {
    const key = `${job.owner}|${job.vmType}`;
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [job]);
    else list.push(job);
  }
  return groups.size;
}

/**
 * What a cycle hands buildFleet beside the world: every pool worker's server as the cloud lists
 * it (one in 97 in ERROR; in a settled world only under busy workers, as the plan removes an
 * idle worker whose server failed), our owner tag and today's launch digest.
 */
export function cycleFleetInput(world: PlanInput, settled = true): FleetInput {
  const busy = new Set(world.workers.filter((w) => w.runningJobs > 0).map((w) => w.workerName));
  const servers = new Map<string, CloudServer[]>();
  for (const [cloud, pool] of Object.entries(world.pools)) {
    servers.set(
      cloud,
      pool.map((w, i) => ({
        id: `${cloud}-${i}`,
        name: w.name,
        status: i % 97 === 0 && (!settled || busy.has(w.name)) ? "ERROR" : "ACTIVE",
        metadata: { cloudscheduler: "worker", cloudscheduler_owner: "bench" },
        createdAt: w.createdAt,
      })),
    );
  }
  // Looked up as the daemon's are (stacks/launch-settings.ts: memoized per shape, made once per
  // config), without rendering the worker user-data the daemon renders once.
  const launch: LaunchDigests = memoizedLaunch(() => BENCH_LAUNCH);
  return {
    pools: world.pools,
    workers: world.workers,
    jobs: world.jobs,
    servers,
    owner: "bench",
    launch,
    now: world.now,
  };
}

/** One cycle's planning: the worker model, then the plan on it. */
function planCycle(
  world: PlanInput,
  fleetInput: FleetInput,
  demandCache?: DemandCache,
): ReturnType<typeof plan> {
  const fleet = buildFleet(fleetInput);
  return plan({ ...world, fleet, ...(demandCache ? { demandCache } : {}) });
}

/**
 * The next cycle's queue: CHURN of the jobs change, a third each finished (gone), new (after the
 * last cluster, as HTCondor numbers them) and edited (RequestMemory changed by condor_qedit, or
 * held, or released). Idle jobs only: running jobs keep their workers busy.
 */
export function churned(jobs: readonly Job[], rnd: () => number, nextCluster: () => number): Job[] {
  const changes = Math.round(jobs.length * CHURN);
  const idle = jobs.filter((j) => j.state !== "running");
  const running = jobs.filter((j) => j.state === "running");
  const gone = new Set<number>();
  while (gone.size < changes / 3) gone.add(Math.floor(rnd() * idle.length));
  const next: Job[] = [];
  idle.forEach((job, i) => {
    if (gone.has(i)) return;
    if (rnd() >= CHURN / 3) {
      next.push(job);
      return;
    }
    const roll = rnd();
    if (roll < 0.5) next.push({ ...job, requestMemoryMb: job.requestMemoryMb + 512 });
    else next.push({ ...job, state: job.state === "held" ? "idle" : "held" });
  });
  const templates = idle.length;
  let cluster = nextCluster();
  for (let k = 0; k < changes / 3; k++) {
    const template = idle[Math.floor(rnd() * templates)] as Job;
    if (k % 100 === 0 && k > 0) cluster = nextCluster();
    next.push({ ...template, id: `${cluster}.${k % 100}`, state: "idle", queuedAt: NOW });
  }
  return [...next, ...running];
}

/** New objects, as a cycle's parse of condor_q's (or condor_status's, or Nova's) answer hands them over. */
function parsedAnew<T>(items: readonly T[]): T[] {
  return JSON.parse(JSON.stringify(items)) as T[];
}

interface Timings {
  reference: number[];
  cycle: number[];
  /** CPU time of the process (user + system, process.cpuUsage), in ms: less swayed by load. */
  referenceCpu: number[];
  cycleCpu: number[];
}

function timed(timings: Timings, jobs: readonly Job[], step: () => void): void {
  let cpu = process.cpuUsage();
  let started = performance.now();
  groupingPass(jobs);
  timings.reference.push(performance.now() - started);
  timings.referenceCpu.push(cpuMs(process.cpuUsage(cpu)));
  cpu = process.cpuUsage();
  started = performance.now();
  step();
  timings.cycle.push(performance.now() - started);
  timings.cycleCpu.push(cpuMs(process.cpuUsage(cpu)));
}

function timings(): Timings {
  return { reference: [], cycle: [], referenceCpu: [], cycleCpu: [] };
}

/**
 * A daemon's cycles over a churning queue, each cycle's jobs, ads and servers parsed anew. Every
 * cycle is planned three ways on the same jobs: with the cache the daemon keeps (steady), without
 * a cache (as before), and with an empty cache (a cold first cycle), in turn first (the first plan
 * after a parse also pays for promoting the new objects). With `alone`, a second cache that sees
 * the same cycles times the classification alone beside classifyDemand.
 */
function daemonCycles(world: PlanInput, fleetInput: FleetInput, alone: boolean) {
  const steady = timings();
  const uncached = timings();
  const cold = timings();
  const classifyCached = timings();
  const classifyFresh = timings();
  const tallyTimes: number[] = [];
  let heapPeak = 0;
  let last: ReturnType<typeof plan> | undefined;
  const rnd = random(7);
  let cluster = 200_000;
  const cache = new DemandCache();
  const classifyCache = new DemandCache();
  let jobs = parsedAnew(world.jobs);
  planCycle({ ...world, jobs }, { ...fleetInput, jobs }, cache);
  if (alone) classifyCache.classify(world.config, jobs);
  for (let i = 0; i < WARMUP + RUNS; i++) {
    jobs = parsedAnew(churned(jobs, rnd, () => cluster++));
    const workers = parsedAnew(world.workers);
    const servers = new Map(
      [...(fleetInput.servers ?? [])].map(([cloud, list]) => [cloud, parsedAnew(list)]),
    );
    const measured = i >= WARMUP;
    // The cycle counts the queue for its report and picks the running jobs for the worker model
    // in one walk before it plans (run/cycle.ts): timed apart, beside the grouping pass.
    const tallyStarted = performance.now();
    const tally = tallyJobs(jobs);
    if (measured) tallyTimes.push(performance.now() - tallyStarted);
    const cycleWorld = { ...world, jobs, workers };
    const cycleFleet = { ...fleetInput, jobs: tally.running, workers, servers };
    const into = (t: Timings) => (measured ? t : timings());
    const variants = [
      () => {
        timed(into(steady), jobs, () => planCycle(cycleWorld, cycleFleet, cache));
        heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
      },
      () =>
        timed(into(uncached), jobs, () => {
          last = planCycle(cycleWorld, cycleFleet);
        }),
      () => timed(into(cold), jobs, () => planCycle(cycleWorld, cycleFleet, new DemandCache())),
    ];
    for (let v = 0; v < variants.length; v++) (variants[(i + v) % variants.length] as () => void)();
    if (!alone) continue;
    timed(into(classifyCached), jobs, () => classifyCache.classify(world.config, jobs));
    timed(into(classifyFresh), jobs, () => classifyDemand(world.config, jobs));
  }
  return { steady, uncached, cold, classifyCached, classifyFresh, tallyTimes, heapPeak, last };
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

export async function run(): Promise<BenchRow[]> {
  const world = benchWorld();
  const fleetInput = cycleFleetInput(world);
  // The same workers, ads and jobs with the entries as generated (settle()): shown beside.
  const firstLook = benchWorld({ ...BENCH_SIZE, settled: false });
  const firstLookFleet = cycleFleetInput(firstLook, false);
  const rssBefore = process.memoryUsage().rss;
  const planTimes: number[] = [];
  const planReference: number[] = [];
  for (let i = 0; i < WARMUP; i++) {
    planCycle(world, fleetInput);
    plan(world);
    groupingPass(world.jobs);
  }
  for (let i = 0; i < RUNS; i++) {
    let started = performance.now();
    groupingPass(world.jobs);
    planReference.push(performance.now() - started);
    started = performance.now();
    plan(world);
    planTimes.push(performance.now() - started);
  }
  // A daemon's cycles over a churning queue (daemonCycles), on the settled world and, in the
  // same way, on the entries as generated.
  const settled = daemonCycles(world, fleetInput, true);
  const { steady, uncached, cold, classifyCached, classifyFresh, tallyTimes, heapPeak, last } =
    settled;
  const steadyFirstLook = daemonCycles(firstLook, firstLookFleet, false).steady;
  const retained = retainedSize(world);

  const boots = (last?.decisions ?? [])
    .filter((d) => d.kind === "boot")
    .reduce((n, d) => n + (d.count ?? 0), 0);
  const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
  const reference = (timings: Timings) => ({
    name: "one grouping pass over the same jobs",
    value: round(median(timings.reference)),
  });
  const steadyMedian = round(median(steady.cycle));
  const classifyReference = {
    name: "classifyDemand on the same jobs (no cache)",
    value: round(median(classifyFresh.cycle)),
  };
  const rows: BenchRow[] = [
    {
      name:
        `plan ${JOBS} idle jobs, ${CLOUDS} clouds, ${WORKERS} workers, steady cycle ` +
        `(${CHURN * 100} % churn, demand cache), model as a cycle builds it: median of ${RUNS}; ` +
        `goal <= ${GOAL_MS} ms (judged here) ${steadyMedian <= GOAL_MS ? "met" : "NOT met"}`,
      value: steadyMedian,
      unit: "ms",
      reference: reference(steady),
    },
    {
      name: `plan, steady cycle: CPU time (user + system of the process): median of ${RUNS}`,
      value: round(median(steady.cycleCpu)),
      unit: "ms",
      reference: {
        name: "grouping pass: CPU time, median",
        value: round(median(steady.referenceCpu)),
      },
    },
    {
      name: "plan, steady cycle: fastest run",
      value: round(Math.min(...steady.cycle)),
      unit: "ms",
      reference: {
        name: "grouping pass: fastest run",
        value: round(Math.min(...steady.reference)),
      },
    },
    {
      name: `plan, same steady cycles on the pool entries as generated, unsettled (each cycle re-observes them as if for the first time: the entries through stop 21): median of ${RUNS}`,
      value: round(median(steadyFirstLook.cycle)),
      unit: "ms",
      reference: reference(steadyFirstLook),
    },
    {
      name: `the cycle's one walk over the queue before it plans (report counts, running jobs for the model): median of ${RUNS}`,
      value: round(median(tallyTimes)),
      unit: "ms",
      reference: reference(steady),
    },
    {
      name: `plan, same cycles without a demand cache (as before): median of ${RUNS}`,
      value: round(median(uncached.cycle)),
      unit: "ms",
      reference: reference(uncached),
    },
    {
      name: `plan, same cycles cold (an empty demand cache, a first cycle): median of ${RUNS}`,
      value: round(median(cold.cycle)),
      unit: "ms",
      reference: reference(cold),
    },
    {
      name: `demand classification alone, steady cycle with the cache: median of ${RUNS}`,
      value: round(median(classifyCached.cycle)),
      unit: "ms",
      reference: classifyReference,
    },
    {
      name: `plan() building its own model (no servers, no cache, same jobs): median of ${RUNS}`,
      value: round(median(planTimes)),
      unit: "ms",
      reference: {
        name: "one grouping pass over the same jobs",
        value: round(median(planReference)),
      },
    },
    {
      name: "plan: peak rss (process high-water)",
      value: mb(process.resourceUsage().maxRSS * 1024),
      unit: "MiB",
      reference: { name: "rss with the world loaded, before planning", value: mb(rssBefore) },
    },
    {
      name: "plan: heap used after a plan (high-water of all runs)",
      value: mb(heapPeak),
      unit: "MiB",
      reference: { name: "rss with the world loaded, before planning", value: mb(rssBefore) },
    },
  ];
  if (retained !== undefined) {
    rows.push({
      name: `demand cache: retained heap at ${world.jobs.length} jobs (after full GC)`,
      value: mb(retained.cache),
      unit: "MiB",
      reference: { name: "the jobs themselves (parsed objects)", value: mb(retained.jobs) },
    });
  }
  rows.push(
    {
      name: "plan: workers booted (50 per cloud per cycle, one cloud in back-off)",
      value: boots,
      unit: "workers",
    },
    { name: "plan: retire actions", value: last?.retire.length ?? 0, unit: "workers" },
  );
  return rows;
}

/**
 * Heap a filled demand cache keeps, beside the heap the jobs it was filled from take; both
 * measured after a full GC.
 */
function retainedSize(world: PlanInput): { cache: number; jobs: number } | undefined {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const empty = heap();
  let jobs: Job[] | undefined = parsedAnew(world.jobs);
  const withJobs = heap();
  const cache = new DemandCache();
  cache.classify(world.config, jobs);
  const withCache = heap();
  const sizes = { cache: withCache - withJobs, jobs: withJobs - empty };
  jobs = undefined;
  return cache.size > 0 ? sizes : undefined;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.stdout.write(formatRows(await run()));
}
