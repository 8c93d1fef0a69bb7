// The policy benchmark: cloudscheduler's policy, a static pool and the classic CloudScheduler
// rule replayed on the same simulated clouds (the bundled site fitted to each trace, as
// `cloudscheduler simulate --trace <file>` does with no options), on two traces:
// - the NASA iPSC/860 log (Parallel Workloads Archive) in test/fixtures, whole;
// - the first 10,000 jobs of the UniLu Gaia log, kept out of the fixtures so the policy is not
//   tuned to it: `bench/traces/fetch-gaia.sh` fetches it (skipped when absent).
// Prints each policy table; returns the figures with the wall and CPU time of each replay.
// Run: `npm run bench -- policy` or `npx tsx bench/policy.ts`; CS_BENCH_SEEDS=1,2,3 replays each
// trace once per seed (the simulated clouds' boot times and failures; default 1).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { comparePolicies } from "../scheduler/sim/compare.js";
import { benchRows, policyTable } from "../scheduler/sim/report.js";
import { simConfig } from "../scheduler/sim/sim-config.js";
import { readTrace } from "../scheduler/sim/trace.js";
import { type BenchRow, formatRows } from "./lib/row.js";

const NASA = fileURLToPath(
  new URL("../test/fixtures/traces/NASA-iPSC-1993-3.1-cln.swf.gz", import.meta.url),
);
const GAIA = fileURLToPath(new URL("./traces/UniLu-Gaia-2014-2.swf", import.meta.url));
const GAIA_JOBS = 10_000;

async function replay(
  label: string,
  path: string,
  seed: number,
  jobs?: number,
): Promise<BenchRow[]> {
  let trace = await readTrace(path);
  if (jobs !== undefined && trace.jobs.length > jobs) {
    trace = {
      ...trace,
      source: `${trace.source} (first ${jobs} jobs)`,
      jobs: trace.jobs.slice(0, jobs),
    };
  }
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const { report } = await comparePolicies({
    config: await simConfig(),
    trace,
    procsPerCore: "auto",
    fitQuotas: true,
    // The printed-JSON check is a self-test of the simulated HTCondor (the unit tests run it on
    // every observation); one in 100 still checks thousands per replay, and a static pool's
    // queue of thousands of jobs made printing it one in 25 a fifth of the bench.
    condorJsonEvery: 100,
    seed,
  });
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${policyTable(report)}\n\n`);
  return [
    ...withReferences(benchRows(report)).map((row) => ({
      ...row,
      name: `${label}: ${row.name}`,
      ...(row.reference
        ? { reference: { ...row.reference, name: `${label}: ${row.reference.name}` } }
        : {}),
    })),
    {
      name: `${label}: wall time, 3 policies x ${trace.jobs.length} jobs`,
      value: (performance.now() - wall) / 1000,
      unit: "s",
    },
    {
      name: `${label}: CPU time (user+system), same replay`,
      value: (used.user + used.system) / 1e6,
      unit: "s",
    },
  ];
}

export async function run(): Promise<BenchRow[]> {
  const seeds = (process.env.CS_BENCH_SEEDS ?? "1").split(",").map((s) => Number(s.trim()));
  if (seeds.some((s) => !Number.isInteger(s)))
    throw new Error(
      `CS_BENCH_SEEDS: expected whole numbers like 1,2,3, got ${process.env.CS_BENCH_SEEDS}`,
    );
  const rows: BenchRow[] = [];
  for (const seed of seeds) {
    // Seed 1 alone keeps the rows' names of runs before seeds could be chosen.
    const suffix = seeds.length === 1 && seed === 1 ? "" : ` seed ${seed}`;
    process.stdout.write(`seed ${seed}\n`);
    rows.push(...(await replay(`NASA${suffix}`, NASA, seed)));
    if (existsSync(GAIA)) rows.push(...(await replay(`Gaia${suffix}`, GAIA, seed, GAIA_JOBS)));
    else process.stdout.write("second trace skipped: run bench/traces/fetch-gaia.sh first\n");
  }
  return rows;
}

/**
 * Each figure beside its reference from the same run: cloudscheduler's wait, paid core-hours
 * and utilisation beside their bounds; every other policy's figures beside cloudscheduler's.
 */
function withReferences(rows: BenchRow[]): BenchRow[] {
  const byName = new Map(rows.map((row) => [row.name, row.value]));
  const bounds: Record<string, string> = {
    "mean wait": "bound: wait (median cold boot)",
    "p95 wait": "bound: wait (median cold boot)",
    "paid VM core-hours": "bound: paid core-hours (job core-hours)",
    "utilisation (job / paid core-hours)": "bound: utilisation",
  };
  return rows.map((row) => {
    const [policy, metric] = row.name.split(": ", 2) as [string, string | undefined];
    if (metric === undefined || policy === "bound") return row;
    const referenceName =
      policy === "cloudscheduler" ? bounds[metric] : `cloudscheduler: ${metric}`;
    const value = referenceName === undefined ? undefined : byName.get(referenceName);
    return referenceName === undefined || value === undefined
      ? row
      : { ...row, reference: { name: referenceName, value } };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(formatRows(await run()));
}
