// The policy benchmark: the NASA iPSC/860 trace (Parallel Workloads Archive) replayed through
// cloudscheduler's policy, a static pool and the classic CloudScheduler rule on the same
// simulated clouds; prints the policy tables and returns their figures.
// Run: `npm run bench -- policy` or `npx tsx bench/policy.ts`.
import { fileURLToPath } from "node:url";
import { comparePolicies } from "../scheduler/sim/compare.js";
import { benchRows, policyTable } from "../scheduler/sim/report.js";
import { simConfig } from "../scheduler/sim/sim-config.js";
import { readTrace } from "../scheduler/sim/trace.js";

const TRACE = fileURLToPath(
  new URL("../test/fixtures/traces/NASA-iPSC-1993-3.1-cln.swf.gz", import.meta.url),
);

/**
 * Jobs all three policies replay. On the whole log the classic rule's queue grows without end
 * (quota livelock, see scheduler/sim/README.md) and its run takes many minutes, so the
 * three-way table uses the first jobs; ours and the static pool also replay the whole log.
 */
const COMPARED_JOBS = 5000;

type Row = { name: string; value: number; unit: string };

export async function run(): Promise<Row[]> {
  const config = await simConfig();
  const full = await readTrace(TRACE);
  let started = performance.now();
  const prefix = {
    ...full,
    source: `${full.source} (first ${COMPARED_JOBS} jobs)`,
    jobs: full.jobs.slice(0, COMPARED_JOBS),
  };
  const three = await comparePolicies({
    config,
    trace: prefix,
    procsPerCore: "auto",
    fitQuotas: true,
    seed: 1,
  });
  process.stdout.write(`${policyTable(three.report)}\n\n`);
  const threeSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const whole = await comparePolicies({
    config,
    trace: full,
    procsPerCore: "auto",
    fitQuotas: true,
    seed: 1,
    policies: ["cloudscheduler", "static"],
  });
  process.stdout.write(`${policyTable(whole.report)}\n`);
  return [
    ...benchRows(three.report),
    { name: `wall time, 3 policies x ${COMPARED_JOBS} jobs`, value: threeSeconds, unit: "s" },
    ...benchRows(whole.report)
      .filter((row) => !row.name.startsWith("bound"))
      .map((row) => ({ ...row, name: `full log, ${row.name}` })),
    {
      name: "wall time, full log (ours + static)",
      value: (performance.now() - started) / 1000,
      unit: "s",
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await run()) {
    process.stdout.write(`${row.name.padEnd(56)} ${row.value.toFixed(3)} ${row.unit}\n`);
  }
}
