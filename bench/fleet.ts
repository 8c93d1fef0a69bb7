// Benchmark: the worker model (scheduler/state/) at the planner's scale: 10k workers over 20
// clouds, 100k jobs (the plan bench's world), every worker with its server and a launch
// digest. Figures per worker beside references from the same run: indexing the pool entries by
// name (the floor of any per-worker work) and the whole plan. Median of 7 runs.
// Run with `npx tsx bench/fleet.ts` (or `npm run bench fleet`).
import { pathToFileURL } from "node:url";
import type { CloudServer } from "../scheduler/cloud/inventory.js";
import { plan } from "../scheduler/plan/plan.js";
import { buildFleet } from "../scheduler/state/build.js";
import { type LaunchDigests, launchDigest } from "../scheduler/state/launch.js";
import { type BenchRow, benchWorld } from "./plan.js";

const RUNS = 7;
const NOW = 1_795_596_400;

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

export async function run(): Promise<BenchRow[]> {
  const world = benchWorld();
  const servers = new Map<string, CloudServer[]>();
  let workers = 0;
  for (const [cloud, pool] of Object.entries(world.pools)) {
    workers += pool.length;
    servers.set(
      cloud,
      pool.map((w, i) => ({
        id: `${cloud}-${i}`,
        name: w.name,
        status: i % 97 === 0 ? "ERROR" : "ACTIVE",
        metadata: { cloudscheduler: "worker", cloudscheduler_owner: "bench" },
        createdAt: w.createdAt,
      })),
    );
  }
  const digest = launchDigest(["bench"]);
  const launch: LaunchDigests = { of: () => digest };
  const input = { ...world, servers, owner: "bench", launch, now: NOW };

  const floor = median(() => {
    const byName = new Map<string, unknown>();
    for (const pool of Object.values(world.pools)) for (const w of pool) byName.set(w.name, w);
  });
  const build = median(() => buildFleet(input));
  const fleet = buildFleet(input);
  const planned = median(() => plan({ ...world, fleet }));
  const us = (ms: number) => Math.round((ms * 1000 * 100) / workers) / 100;
  return [
    {
      name: `buildFleet: ${workers} workers, ${world.jobs.length} jobs, their servers`,
      value: Math.round(build * 10) / 10,
      unit: "ms",
    },
    { name: "buildFleet: per worker", value: us(build), unit: "µs" },
    { name: "reference: index the pool entries by name, per worker", value: us(floor), unit: "µs" },
    {
      name: "reference: plan() on the built model (whole plan)",
      value: Math.round(planned),
      unit: "ms",
    },
    {
      name: "plan: orphans / drifted / broken in this world",
      value: fleet.orphans.length,
      unit: "workers",
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const row of await run()) console.log(`${row.name.padEnd(60)} ${row.value} ${row.unit}`);
}
