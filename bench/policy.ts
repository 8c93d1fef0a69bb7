// The policy benchmark: cloudscheduler's policy, a static pool and the classic CloudScheduler
// rule replayed on the same simulated clouds (the bundled site fitted to each trace, as
// `cloudscheduler simulate --trace <file>` does with no options), on two traces:
// - the NASA iPSC/860 log (Parallel Workloads Archive) in test/fixtures, whole;
// - the first 10,000 jobs of the UniLu Gaia log, kept out of the fixtures so the policy is not
//   tuned to it: `bench/traces/fetch-gaia.sh` fetches it (skipped when absent).
// Prints each policy table; returns the figures with the wall and CPU time of each replay.
// Run: `npm run bench -- policy` or `npx tsx bench/policy.ts`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { comparePolicies } from "../scheduler/sim/compare.js";
import { benchRows, policyTable } from "../scheduler/sim/report.js";
import { simConfig } from "../scheduler/sim/sim-config.js";
import { readTrace } from "../scheduler/sim/trace.js";

const NASA = fileURLToPath(
  new URL("../test/fixtures/traces/NASA-iPSC-1993-3.1-cln.swf.gz", import.meta.url),
);
const GAIA = fileURLToPath(new URL("./traces/UniLu-Gaia-2014-2.swf", import.meta.url));
const GAIA_JOBS = 10_000;

type Row = { name: string; value: number; unit: string };

async function replay(label: string, path: string, jobs?: number): Promise<Row[]> {
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
    condorJsonEvery: 25,
    seed: 1,
  });
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${policyTable(report)}\n\n`);
  return [
    ...benchRows(report).map((row) => ({ ...row, name: `${label}: ${row.name}` })),
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

export async function run(): Promise<Row[]> {
  const rows = await replay("NASA", NASA);
  if (existsSync(GAIA)) rows.push(...(await replay("Gaia", GAIA, GAIA_JOBS)));
  else process.stdout.write("second trace skipped: run bench/traces/fetch-gaia.sh first\n");
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await run()) {
    process.stdout.write(`${row.name.padEnd(56)} ${row.value.toFixed(3)} ${row.unit}\n`);
  }
}
