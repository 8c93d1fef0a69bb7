// Benchmark: the worker model (scheduler/state/) at the planner's scale: 10k workers over 20
// clouds, ~113k jobs (the plan bench's world), every worker with its server and a launch
// digest. Figures beside references from the same run: the indexing the model replaces
// (plan.ts before the model: startds by name, then two passes over every job for running
// jobs and +VMKeepAlive; reproduced below, knowing no cloud servers), indexing the pool entries
// by name (the floor of any per-worker work) and the whole plan. Median of 7 runs. Beside them,
// every worker's launch digest as the daemon gets it: made once per config and looked up each
// cycle, against made anew each cycle (rendering every cloud's worker user-data, as the daemon
// did until stop 23).
// Run with `npx tsx bench/fleet.ts` (or `npm run bench fleet`).
import { pathToFileURL } from "node:url";
import type { Job, ObservedWorker } from "../scheduler/condor/types.js";
import { plan } from "../scheduler/plan/plan.js";
import { buildFleet } from "../scheduler/state/build.js";
import { launchDigests } from "../stacks/launch-settings.js";
import { type BenchRow, formatRows } from "./lib/row.js";
import { benchWorld, cycleFleetInput } from "./plan.js";

const RUNS = 7;
const _NOW = 1_795_596_400;

function median(run: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)] as number;
}

/** What plan.ts did before the worker model, for reference (same rules, no cloud servers). */
function indexingBefore(
  workers: readonly ObservedWorker[],
  jobs: readonly Job[],
  poolNames: ReadonlySet<string>,
): number {
  const byName = new Map<string, ObservedWorker>();
  const sorted = [...workers].sort((a, b) =>
    a.machine < b.machine ? -1 : a.machine > b.machine ? 1 : 0,
  );
  for (const w of sorted)
    if (w.workerName !== undefined && poolNames.has(w.workerName)) byName.set(w.workerName, w);
  const workerOfMachine = new Map<string, string>();
  for (const w of workers) if (w.workerName) workerOfMachine.set(w.machine, w.workerName);
  const counts = new Map<string, number>();
  for (const job of jobs) {
    if (job.state !== "running" || !job.remoteHost) continue;
    const machine = job.remoteHost.slice(job.remoteHost.lastIndexOf("@") + 1);
    const label = machine.split(".", 1)[0] ?? "";
    const name = workerOfMachine.get(machine) ?? (poolNames.has(label) ? label : undefined);
    if (name !== undefined) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const raise = new Map<string, number>();
  for (const job of jobs) {
    const minutes = job.vmKeepAliveMinutes;
    if (job.state !== "running" || !job.remoteHost || minutes === undefined) continue;
    const name = workerOfMachine.get(job.remoteHost.slice(job.remoteHost.lastIndexOf("@") + 1));
    if (name) raise.set(name, Math.max(raise.get(name) ?? 0, minutes * 60));
  }
  return byName.size + counts.size + raise.size;
}

export async function run(): Promise<BenchRow[]> {
  const world = benchWorld();
  const input = cycleFleetInput(world);
  let workers = 0;
  for (const pool of Object.values(world.pools)) workers += pool.length;

  const poolNames = new Set(Object.values(world.pools).flatMap((p) => p.map((w) => w.name)));
  const before = median(() => indexingBefore(world.workers, world.jobs, poolNames));
  const floor = median(() => {
    const byName = new Map<string, unknown>();
    for (const pool of Object.values(world.pools)) for (const w of pool) byName.set(w.name, w);
  });
  const build = median(() => buildFleet(input));
  const fleet = buildFleet(input);
  const planned = median(() => plan({ ...world, fleet }));
  // Launch digests as the daemon gets them (cli/actions/run.ts): the worker settings resolve.
  const sources = {
    env: { CLOUDSCHEDULER_WORKER_CONDOR_HOST: "cm.example.org" },
    username: "bench",
  };
  const entries = Object.entries(world.pools).flatMap(([cloud, pool]) =>
    pool.map((worker) => ({ cloud, worker })),
  );
  const lookUpAll = (launch: ReturnType<typeof launchDigests>) => {
    let known = 0;
    for (const { cloud, worker } of entries) {
      if (launch.of(cloud, worker.vmType, worker.image, worker.flavor) !== undefined) known++;
    }
    return known;
  };
  const kept = launchDigests(world.config, sources);
  if (lookUpAll(kept) !== entries.length) throw new Error("bench: launch digests unknown");
  const perConfig = median(() => lookUpAll(kept));
  const anew = median(() => lookUpAll(launchDigests(world.config, sources)));
  const us = (ms: number) => Math.round((ms * 1000 * 100) / workers) / 100;
  return [
    {
      name: `buildFleet: ${workers} workers, ${world.jobs.length} jobs, their servers, per worker`,
      value: us(build),
      unit: "µs",
      reference: { name: "the indexing it replaces (no servers)", value: us(before) },
    },
    {
      name: "buildFleet, per worker",
      value: us(build),
      unit: "µs",
      reference: { name: "index the pool entries by name", value: us(floor) },
    },
    {
      name: "plan() on the built model (whole plan)",
      value: Math.round(planned),
      unit: "ms",
      reference: { name: "buildFleet", value: Math.round(build * 10) / 10 },
    },
    {
      name: `launch digests of ${entries.length} workers, made once per config (the daemon): a cycle's lookups`,
      value: Math.round(perConfig * 100) / 100,
      unit: "ms",
      reference: {
        name: "made anew each cycle (until stop 23)",
        value: Math.round(anew * 100) / 100,
      },
    },
    { name: "orphans in this world", value: fleet.orphans.length, unit: "servers" },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.stdout.write(formatRows(await run()));
}
