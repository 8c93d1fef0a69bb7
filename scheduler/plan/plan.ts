// The planner: a pure, deterministic function of config, jobs, workers, pools and time.
// observe (lifecycle.ts) -> match demand (match.ts) -> fill existing workers (capacity.ts) ->
// retire what nobody needs (retire.ts) -> boot what is missing (provision.ts) -> describe.
// No I/O, no clock, no randomness; every list is sorted before it leaves.

import type { ObservedWorker } from "../condor/types.js";
import type { Config } from "../config/schema.js";
import type { PoolWorker } from "../pool/types.js";
import { absorbDemand } from "./capacity.js";
import { type ClassGroup, classifyDemand } from "./demand.js";
import { summarize } from "./describe.js";
import { adaptiveKeepAlive } from "./keep-alive.js";
import { observe } from "./lifecycle.js";
import { compareText, MAX_JOB_KEEP_ALIVE_SECONDS } from "./match.js";
import { WorkerNamer } from "./naming.js";
import { provision } from "./provision.js";
import { RoomLedger } from "./quota.js";
import { rampBoots } from "./ramp.js";
import { plural, quote } from "./reasons.js";
import { baseKeepAlive, decideRetirement, type Gone } from "./retire.js";
import type { Decision, PlanInput, PlanResult, RejectedJob, RetireAction } from "./types.js";

interface Tracked {
  cloud: string;
  worker: PoolWorker;
  seen: ObservedWorker | undefined;
}

export function plan(input: PlanInput): PlanResult {
  const { config, now } = input;
  const decisions: Decision[] = [];
  const cloudNames = [
    ...new Set([...Object.keys(config.clouds), ...Object.keys(input.pools)]),
  ].sort(compareText);
  const poolNames = new Set<string>();
  for (const workers of Object.values(input.pools)) for (const w of workers) poolNames.add(w.name);
  const { byName, notOurs } = indexObserved(input.workers, poolNames);
  const runningInQueue = countRunningJobs(input, poolNames);

  // 1. What each pool worker has become since the last cycle.
  const tracked: Tracked[] = [];
  for (const cloud of cloudNames) {
    for (const worker of sortedByName(input.pools[cloud] ?? [])) {
      const seen = byName.get(worker.name);
      const outcome = observe(
        cloud,
        worker,
        seen,
        config.policy,
        now,
        runningInQueue.get(worker.name),
      );
      decisions.push(...outcome.decisions);
      if (outcome.fate === "keep") tracked.push({ cloud, worker: outcome.worker, seen });
    }
  }
  raiseKeepAlive(tracked, input);

  // 2. Idle demand, and what existing workers already cover.
  const demand = classifyDemand(config, input.jobs);
  decisions.push(...rejectionDecisions(demand.rejected));
  const goneOf = (t: Tracked): Gone =>
    !isEnabled(config, t.cloud)
      ? "cloud"
      : Object.hasOwn(config.vm_types, t.worker.vmType)
        ? undefined
        : "vm-type";
  const absorption = absorbDemand(
    demand.groups,
    tracked.filter((t) => goneOf(t) === undefined),
  );
  const { needed } = absorption;

  // 3. Retire idle workers nobody needs. Policy hook (keep-alive.ts): with an adaptive
  // keep-alive, only the warm pool the arrival rate justifies keeps its full keep-alive.
  const keepAliveOf = adaptiveKeepAlive(tracked, input.jobs, config, now);
  const kept = new Map<string, PoolWorker[]>(cloudNames.map((c) => [c, []]));
  const retire: RetireAction[] = [];
  for (const t of tracked) {
    const chosen = keepAliveOf?.get(t.worker.name);
    const outcome = decideRetirement(
      {
        ...t,
        needed: needed.has(t.worker.name),
        gone: goneOf(t),
        ...(chosen === undefined ? {} : { keepAliveSeconds: chosen }),
      },
      config,
      now,
    );
    decisions.push(...outcome.decisions);
    if (outcome.fate === "remove") continue;
    kept.get(t.cloud)?.push(outcome.worker);
    if (outcome.retire) retire.push(outcome.retire);
  }

  // 4. Boot what the remaining idle jobs need, fairly, by weight, within quotas.
  const taken = new Set(poolNames);
  for (const w of input.workers) if (w.workerName) taken.add(w.workerName);
  // Policy hook (ramp.ts): hold back boots a busy worker is expected to make unnecessary.
  decisions.push(
    ...heldDecisions(demand.groups, rampBoots(demand, absorption, config.policy, now)),
  );
  const boots = provision({
    config,
    demand,
    absorption,
    ledger: new RoomLedger(config, input.pools, input.unavailableClouds),
    namer: new WorkerNamer(taken),
    now,
    keepAliveOf: (vmType) => baseKeepAlive(config, vmType),
  });
  decisions.push(...boots.decisions);
  for (const { cloud, worker } of boots.workers) kept.get(cloud)?.push(worker);

  // 5. Assemble, and say what it means.
  const pools: Record<string, PoolWorker[]> = {};
  for (const cloud of cloudNames) {
    const workers = sortedByName(kept.get(cloud) ?? []);
    pools[cloud] = workers;
    if (workers.length === 0 && !isEnabled(config, cloud) && Object.hasOwn(input.pools, cloud)) {
      decisions.push({
        kind: "stack-empty",
        cloud,
        reason: `${Object.hasOwn(config.clouds, cloud) ? "disabled" : "removed from config"} and empty: its pool stack can be destroyed`,
      });
    }
  }
  decisions.push(...notOurs);
  retire.sort((a, b) => compareText(a.cloud, b.cloud) || compareText(a.worker, b.worker));
  return {
    pools,
    retire,
    decisions,
    rejectedJobs: demand.rejected,
    summary: summarize(input.pools, pools, decisions),
  };
}

function isEnabled(config: Config, cloud: string): boolean {
  return Object.hasOwn(config.clouds, cloud) && config.clouds[cloud]?.enabled === true;
}

function sortedByName(workers: readonly PoolWorker[]): PoolWorker[] {
  return [...workers].sort((a, b) => compareText(a.name, b.name));
}

/**
 * Observed startds by CloudSchedulerVM (several startds claiming one name are merged, so a
 * job on any of them keeps the worker), and "not-ours" decisions for the rest, one per machine.
 */
function indexObserved(
  workers: readonly ObservedWorker[],
  poolNames: ReadonlySet<string>,
): { byName: Map<string, ObservedWorker>; notOurs: Decision[] } {
  const byName = new Map<string, ObservedWorker>();
  const strangers = new Map<string, string>();
  const sorted = [...workers].sort((a, b) => compareText(a.machine, b.machine));
  for (const w of sorted) {
    if (w.workerName !== undefined && poolNames.has(w.workerName)) {
      const prior = byName.get(w.workerName);
      byName.set(
        w.workerName,
        prior
          ? {
              ...prior,
              slots: [...prior.slots, ...w.slots],
              runningJobs: prior.runningJobs + w.runningJobs,
              draining: prior.draining && w.draining,
            }
          : w,
      );
    } else if (!strangers.has(w.machine)) {
      strangers.set(
        w.machine,
        w.workerName === undefined
          ? `startd ${quote(w.machine)} has no CloudSchedulerVM: not booted by cloudscheduler, left alone`
          : `startd ${quote(w.machine)} says CloudSchedulerVM ${quote(w.workerName)}, which is in no pool: left alone`,
      );
    }
  }
  const notOurs = [...strangers].map(
    ([machine, reason]): Decision => ({ kind: "not-ours", machine, reason }),
  );
  return { byName, notOurs };
}

/**
 * Running jobs per pool worker, from condor_q's RemoteHost ("slot1_1@<machine>"): the machine of
 * an observed startd, else a machine whose first label is the worker name (Nova names the host
 * after the instance). Lets a worker the collector lost keep its jobs.
 */
function countRunningJobs(input: PlanInput, poolNames: ReadonlySet<string>): Map<string, number> {
  const workerOfMachine = new Map<string, string>();
  for (const w of input.workers) if (w.workerName) workerOfMachine.set(w.machine, w.workerName);
  const counts = new Map<string, number>();
  for (const job of input.jobs) {
    if (job.state !== "running" || !job.remoteHost) continue;
    const machine = job.remoteHost.slice(job.remoteHost.lastIndexOf("@") + 1);
    const label = machine.split(".", 1)[0] ?? "";
    const name = workerOfMachine.get(machine) ?? (poolNames.has(label) ? label : undefined);
    if (name !== undefined) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/** +VMKeepAlive of a running job raises the keep-alive of the worker it runs on. */
function raiseKeepAlive(tracked: Tracked[], input: PlanInput): void {
  const workerOfMachine = new Map<string, string>();
  for (const w of input.workers) if (w.workerName) workerOfMachine.set(w.machine, w.workerName);
  const raise = new Map<string, number>();
  for (const job of input.jobs) {
    const minutes = job.vmKeepAliveMinutes;
    if (job.state !== "running" || !job.remoteHost || minutes === undefined) continue;
    if (!Number.isFinite(minutes) || minutes <= 0) continue;
    const machine = job.remoteHost.slice(job.remoteHost.lastIndexOf("@") + 1);
    const name = workerOfMachine.get(machine);
    if (!name) continue;
    const seconds = Math.min(MAX_JOB_KEEP_ALIVE_SECONDS, Math.round(minutes * 60));
    raise.set(name, Math.max(raise.get(name) ?? 0, seconds));
  }
  for (const t of tracked) {
    const seconds = raise.get(t.worker.name);
    if (seconds !== undefined && seconds > t.worker.keepAliveSeconds) {
      t.worker = { ...t.worker, keepAliveSeconds: seconds };
    }
  }
}

function heldDecisions(
  groups: readonly ClassGroup[],
  held: ReadonlyMap<string, number>,
): Decision[] {
  const decisions: Decision[] = [];
  for (const group of groups) {
    const count = held.get(group.key);
    if (!count) continue;
    decisions.push({
      kind: "unserved",
      vmType: group.shape.vmType,
      count,
      reason: `${plural(count, "idle job")} for ${group.shape.vmType} held: busy workers are expected to free up before a new one boots (ramp)`,
    });
  }
  return decisions;
}

function rejectionDecisions(rejected: readonly RejectedJob[]): Decision[] {
  const byReason = new Map<string, number>();
  for (const r of rejected) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1);
  return [...byReason.keys()].sort(compareText).map((reason) => {
    const count = byReason.get(reason) as number;
    return {
      kind: "job-rejected",
      count,
      reason: `${plural(count, "idle job")} rejected: ${reason}`,
    };
  });
}
