// Step 3 of a cycle: ask HTCondor to retire the workers the plan retires. A worker HTCondor
// would not drain stays exactly as it was. A refusal (unknown host, no such startd, denied) is
// its own outcome: the worker is held (no new request before the hold ends, the hold doubling
// with each refusal), and status and the log say why and what to do. The plan's decision and
// commit line for a retire that did not happen are taken back.
import { isRetireRefusal } from "../condor/errors.js";
import { duration } from "../plan/reasons.js";
import type { Decision, PlanResult, RetireAction } from "../plan/types.js";
import type { PoolWorker } from "../pool/types.js";
import type { CycleDeps, CycleReport } from "./cycle.js";
import type { CycleMemory } from "./memory.js";

const RETIRE_KINDS = new Set<Decision["kind"]>([
  "retire-idle",
  "retire-cloud-removed",
  "retire-vm-type-removed",
  "retire-drifted",
  "retire-unhealthy",
]);

export interface RetireOutcome {
  /** The pools after the retires that happened (refused ones back as they were). */
  pools: Record<string, PoolWorker[]>;
  /** The plan's decisions without the retires that did not happen, plus why not. */
  decisions: Decision[];
}

export async function retireWorkers(
  deps: CycleDeps,
  memory: CycleMemory,
  plan: PlanResult,
  before: Readonly<Record<string, readonly PoolWorker[]>>,
  now: number,
  report: CycleReport,
): Promise<RetireOutcome> {
  // New lists, shared workers: nothing changes a worker in place (a refused retire puts the
  // previous one back), and a deep copy of every pool each cycle dominated long simulations.
  const pools: Record<string, PoolWorker[]> = {};
  for (const [cloud, workers] of Object.entries(plan.pools)) pools[cloud] = [...workers];
  const notDone = new Set<string>();
  const extra: Decision[] = [];
  for (const action of plan.retire) {
    try {
      await retireOne(deps, action);
      report.retired.push(action);
      // Which worker, by which name, and why: what an operator (or the chaos test) checks
      // against the jobs that ran there.
      deps.log.info(
        {
          retire: action.method,
          cloud: action.cloud,
          worker: action.worker,
          machine: action.machine,
        },
        `asked HTCondor to retire it (${action.method === "drain" ? "condor_drain -graceful" : "condor_off -peaceful"}): ${action.reason}`,
      );
      memory.retireHolds.delete(action.worker);
    } catch (err) {
      notDone.add(action.worker);
      const message = err instanceof Error ? err.message : String(err);
      const failure: CycleReport["retireFailures"][number] = {
        cloud: action.cloud,
        worker: action.worker,
        machine: action.machine,
        kind: "failed",
        error: message,
      };
      let reason = `${action.method === "drain" ? "condor_drain" : "condor_off -peaceful"} failed; tried again next cycle: ${message}`;
      if (isRetireRefusal(err)) {
        const hold = memory.holdRetire(
          action.worker,
          now,
          `HTCondor refused (${err.reason}) for ${JSON.stringify(action.machine)}: ${err.advice}`,
        );
        failure.kind = "refused";
        failure.reason = err.reason;
        failure.advice = err.advice;
        failure.until = hold.until;
        reason = `HTCondor refused to retire it (${err.reason}: ${JSON.stringify(action.machine)}); ${err.advice}; asked again in ${duration(hold.until - now)}`;
      }
      report.retireFailures.push(failure);
      deps.log.warn(
        { worker: action.worker, machine: action.machine, kind: failure.kind, err: message },
        failure.kind === "refused"
          ? `retire refused by HTCondor; the worker stays as it was: ${failure.advice}`
          : "retire failed; the worker stays as it was",
      );
      extra.push({
        kind: "retire-refused",
        cloud: action.cloud,
        workers: [action.worker],
        reason,
      });
      const previous = before[action.cloud]?.find((w) => w.name === action.worker);
      const list = pools[action.cloud];
      if (previous && list) {
        pools[action.cloud] = list.map((w) => (w.name === action.worker ? previous : w));
      }
    }
  }
  const decisions = plan.decisions.filter(
    (d) => !(RETIRE_KINDS.has(d.kind) && d.workers?.some((w) => notDone.has(w))),
  );
  decisions.push(...extra);
  return { pools, decisions };
}

function retireOne(deps: CycleDeps, action: RetireAction): Promise<void> {
  return action.method === "drain"
    ? deps.condor.drain(action.machine, `cloudscheduler: ${action.reason}`)
    : deps.condor.peacefulOff(action.machine);
}
