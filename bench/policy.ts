// The policy benchmark: the NASA iPSC/860 trace (Parallel Workloads Archive) replayed through
// cloudscheduler's policy, a static pool and the classic CloudScheduler rule on the same
// simulated clouds; prints the policy tables and returns their figures.
// Run: `npm run bench -- policy` or `npx tsx bench/policy.ts`.
import { fileURLToPath } from "node:url";
import { comparePolicies } from "../scheduler/sim/compare.js";
import { benchRows, policyTable } from "../scheduler/sim/report.js";
import { simConfig } from "../scheduler/sim/sim-config.js";
import { readTrace } from "../scheduler/sim/trace.js";
import { type BenchRow, formatRows } from "./lib/row.js";

const TRACE = fileURLToPath(
  new URL("../test/fixtures/traces/NASA-iPSC-1993-3.1-cln.swf.gz", import.meta.url),
);

/**
 * Jobs all three policies replay. On the whole log the classic rule's queue grows without end
 * (quota livelock, see scheduler/sim/README.md) and its run takes many minutes, so the
 * three-way table uses the first jobs; ours and the static pool also replay the whole log.
 */
const COMPARED_JOBS = 5000;

export async function run(): Promise<BenchRow[]> {
  const config = await simConfig();
  const full = await readTrace(TRACE);
  let started = performance.now();
  const prefix = {
    ...full,
    source: `${full.source} (first ${COMPARED_JOBS} jobs)`,
    jobs: full.jobs.slice(0, COMPARED_JOBS),
  };
  const three = await comparePolicies({ config, trace: prefix, procsPerCore: 4, seed: 1 });
  process.stdout.write(`${policyTable(three.report)}\n\n`);
  const threeSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const whole = await comparePolicies({
    config,
    trace: full,
    procsPerCore: 4,
    seed: 1,
    policies: ["cloudscheduler", "static"],
  });
  process.stdout.write(`${policyTable(whole.report)}\n`);
  return [
    ...withReferences(benchRows(three.report)),
    {
      name: `wall time, 3 policies x ${COMPARED_JOBS} jobs`,
      value: threeSeconds,
      unit: "s",
    },
    ...withReferences(benchRows(whole.report))
      .filter((row) => !row.name.startsWith("bound"))
      .map((row) => ({
        ...row,
        name: `full log, ${row.name}`,
        ...(row.reference
          ? { reference: { ...row.reference, name: `full log, ${row.reference.name}` } }
          : {}),
      })),
    {
      name: "wall time, full log (ours + static)",
      value: (performance.now() - started) / 1000,
      unit: "s",
    },
  ];
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
