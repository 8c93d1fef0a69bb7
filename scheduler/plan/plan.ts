// The planner: a pure, deterministic function of config, jobs, workers, pools and time.
// the worker model (scheduler/state/) -> observe (lifecycle.ts) -> classify demand (demand.ts) ->
// fill existing workers (capacity.ts) -> retire what nobody needs or what must go (retire.ts,
// drift.ts, unhealthy.ts) -> boot what is missing (provision.ts) -> orphans (orphans.ts) ->
// describe. No I/O, no clock, no randomness; every list is sorted before it leaves.

import type { ObservedWorker } from "../condor/types.js";
import type { Config } from "../config/schema.js";
import { withFields } from "../pool/copy.js";
import type { PoolWorker } from "../pool/types.js";
import { buildFleet } from "../state/build.js";
import type { Fleet, StateWorker } from "../state/types.js";
import { surplusBoots } from "./cancel.js";
import { absorbDemand } from "./capacity.js";
import { type ClassGroup, classifyDemand } from "./demand.js";
import { type IdleChanges, summarize } from "./describe.js";
import { pickDriftReplacements } from "./drift.js";
import { adaptiveKeepAlive, warmRoomLeft } from "./keep-alive.js";
import { observeInto } from "./lifecycle.js";
import { compareText, MAX_JOB_KEEP_ALIVE_SECONDS } from "./match.js";
import { firstUnlisted, WorkerNamer } from "./naming.js";
import { sweepOrphans } from "./orphans.js";
import { provision } from "./provision.js";
import { RoomLedger } from "./quota.js";
import { rampBoots } from "./ramp.js";
import { duration, plural, quote, workerDecision } from "./reasons.js";
import { baseKeepAlive, type RetireCandidate, retireInto } from "./retire.js";
import type { Decision, PlanInput, PlanResult, RejectedJob, RetireAction } from "./types.js";
import { unhealthyReason } from "./unhealthy.js";

/** A pool worker the plan keeps past observation: what retire.ts decides on (RetireCandidate). */
interface Tracked extends RetireCandidate {
  state: StateWorker;
  /** The entry the plan keeps for it (undefined: removed). */
  kept: PoolWorker | undefined;
}

export function plan(input: PlanInput): PlanResult {
  const { config, now } = input;
  const decisions: Decision[] = [];
  const cloudNames = [
    ...new Set([...Object.keys(config.clouds), ...Object.keys(input.pools)]),
  ].sort(compareText);
  const fleet: Fleet =
    input.fleet ??
    buildFleet({ pools: input.pools, workers: input.workers, jobs: input.jobs, now });

  // 1. What each pool worker has become since the last cycle.
  const tracked: Tracked[] = [];
  for (const state of fleet.workers) {
    const worker = observeInto(state, config.policy, now, decisions);
    if (worker === undefined) continue;
    tracked.push({
      cloud: state.cloud,
      worker,
      seen: state.ads,
      runningJobs: state.runningJobs,
      needed: false,
      gone: undefined,
      goneDetail: undefined,
      hold: state.retireHold,
      keepAliveSeconds: undefined,
      state,
      kept: undefined,
    });
  }
  raiseKeepAlive(tracked);
  markGone(tracked, config, decisions);

  // 2. Idle demand, and what existing workers already cover.
  const demand =
    input.demandCache?.classify(config, input.jobs) ?? classifyDemand(config, input.jobs);
  decisions.push(...rejectionDecisions(demand.rejected));
  const absorption = absorbDemand(
    demand.groups,
    tracked.filter((t) => t.gone === undefined),
  );

  // 3. Retire idle workers nobody needs. Policy hook (keep-alive.ts): with an adaptive
  // keep-alive, only the warm pool the arrival rate justifies keeps its full keep-alive.
  const keepAliveOf = adaptiveKeepAlive(tracked, input.jobs, config, now, input.arrivals);
  // Policy hook (cancel.ts): booting workers whose jobs started elsewhere, beyond the warm ones.
  const cancel = surplusBoots(
    tracked,
    absorption.spareBooting,
    warmRoomLeft(tracked, input.jobs, config, now, input.arrivals),
    config.policy,
    now,
  );
  const kept = new Map<string, PoolWorker[]>(cloudNames.map((c) => [c, []]));
  const retire: RetireAction[] = [];
  for (const t of tracked) {
    if (keepAliveOf !== undefined) t.keepAliveSeconds = keepAliveOf.get(t.worker.name);
    const worker = retireInto(t, config, now, decisions, retire);
    t.kept = worker;
    if (worker !== undefined) kept.get(t.cloud)?.push(worker);
  }
  const bootedFrom = new Map<string, number>();
  for (const [cloud, list] of kept) bootedFrom.set(cloud, list.length);

  // 4. Boot what the remaining idle jobs need, fairly, by weight, within quotas.
  // A fresh name must not be one any pool, startd or server still uses.
  const strangerNames = fleet.strangerNames ?? namesOfStartds(input.workers);
  const inUse = (name: string) =>
    fleet.byName.has(name) || strangerNames.has(name) || fleet.serverNames.has(name);
  // Policy hook (ramp.ts): hold back boots a busy worker is expected to make unnecessary.
  decisions.push(
    ...heldDecisions(demand.groups, rampBoots(demand, absorption, config.policy, now)),
  );
  const boots = provision({
    config,
    demand,
    absorption,
    ledger: new RoomLedger(config, input.pools, input.unavailableClouds),
    namer: new WorkerNamer([], inUse, poolNumbering(fleet)),
    now,
    keepAliveOf: (vmType) => baseKeepAlive(config, vmType),
  });
  decisions.push(...boots.decisions);
  const cancelled = cancelBoots(kept, bootedFrom, cancel, boots.workers, now, decisions);
  for (const { cloud, worker } of boots.workers) {
    // A new worker records what it boots with, so a later change of it is seen as drift.
    const launch = fleet.launch.of(cloud, worker.vmType, worker.image, worker.flavor);
    kept.get(cloud)?.push(launch === undefined ? worker : withFields(worker, { launch }));
  }

  // 5. Worker servers of ours that no pool claims.
  const orphans = sweepOrphans(fleet.orphans, config.policy, now, retireHolds(fleet));
  retire.push(...orphans.retire);

  // 6. Assemble, and say what it means.
  const pools: Record<string, PoolWorker[]> = {};
  for (const cloud of cloudNames) {
    const workers = sortedByName(kept.get(cloud) ?? [], bootedFrom.get(cloud) ?? 0);
    pools[cloud] = workers;
    if (workers.length === 0 && !isEnabled(config, cloud) && Object.hasOwn(input.pools, cloud)) {
      decisions.push({
        kind: "stack-empty",
        cloud,
        reason: `${Object.hasOwn(config.clouds, cloud) ? "disabled" : "removed from config"} and empty: its pool stack can be destroyed`,
      });
    }
  }
  decisions.push(...orphans.decisions);
  decisions.push(...notOurs(fleet));
  retire.sort((a, b) => compareText(a.cloud, b.cloud) || compareText(a.worker, b.worker));
  const result: PlanResult = {
    pools,
    retire,
    decisions,
    rejectedJobs: demand.rejected,
    summary: summarize(input.pools, pools, decisions, idleChanges(tracked, cancelled)),
  };
  if (orphans.deletions.length > 0) result.deleteServers = orphans.deletions;
  absorption.release();
  return result;
}

/**
 * Drops the booting workers to cancel from `kept`, on clouds where this plan boots nothing, and
 * returns their names: an up deletes after it creates, so on a cloud that also boots the delete
 * would go out only after the creates, while the worker may be joining (and taking a job). Those
 * are decided again next cycle.
 */
function cancelBoots(
  kept: Map<string, PoolWorker[]>,
  bootedFrom: Map<string, number>,
  cancel: ReadonlySet<string>,
  booted: readonly { cloud: string }[],
  now: number,
  decisions: Decision[],
): Set<string> {
  const cancelled = new Set<string>();
  if (cancel.size === 0) return cancelled;
  const booting = new Set(booted.map((b) => b.cloud));
  for (const [cloud, workers] of kept) {
    if (booting.has(cloud)) continue;
    const left = workers.filter((worker) => {
      if (!cancel.has(worker.name)) return true;
      cancelled.add(worker.name);
      decisions.push(
        workerDecision(
          cloud,
          worker,
          "cancel-unneeded",
          `booting ${duration(now - worker.createdAt)} and no idle job needs it: cancelled before it joins`,
        ),
      );
      return false;
    });
    if (left.length === workers.length) continue;
    kept.set(cloud, left);
    bootedFrom.set(cloud, left.length); // nothing new on this cloud
  }
  return cancelled;
}

/**
 * Why each kept worker has no future, if it has none: its cloud or VM type left the config,
 * a broken slot, or drifted launch settings (idle ones within the cloud's disruption budget).
 * Such workers are not counted as capacity for idle jobs; retire.ts retires them once idle.
 */
function markGone(tracked: Tracked[], config: Config, decisions: Decision[]): void {
  // Workers come by cloud and mostly by VM type: look each up again only when it changes.
  let cloud: string | undefined;
  let enabled = false;
  let vmType: string | undefined;
  let typed = false;
  for (const t of tracked) {
    if (t.cloud !== cloud) {
      cloud = t.cloud;
      enabled = isEnabled(config, cloud);
    }
    if (t.worker.vmType !== vmType) {
      vmType = t.worker.vmType;
      typed = Object.hasOwn(config.vm_types, vmType);
    }
    if (!enabled) t.gone = "cloud";
    else if (!typed) t.gone = "vm-type";
    else {
      const unhealthy = unhealthyReason(t.state);
      if (unhealthy !== undefined) {
        t.gone = "unhealthy";
        t.goneDetail = unhealthy;
      }
    }
  }
  const drifted = tracked.filter((t) => t.state.drifted);
  if (drifted.length === 0) return;
  const poolSizes = new Map<string, number>();
  for (const t of tracked) poolSizes.set(t.cloud, (poolSizes.get(t.cloud) ?? 0) + 1);
  const picked = pickDriftReplacements(
    drifted.map((t) => ({
      cloud: t.cloud,
      worker: t.worker,
      state: t.state,
      eligible:
        t.gone === undefined &&
        t.worker.state === "registered" &&
        t.seen !== undefined &&
        t.state.runningJobs === 0,
    })),
    config.policy,
    poolSizes,
  );
  for (const t of drifted) {
    if (t.gone !== undefined || t.worker.state === "draining") continue;
    if (picked.drain.has(t.worker.name)) {
      t.gone = "drifted";
      t.goneDetail = "launch settings changed since it booted";
      continue;
    }
    const budget = picked.budgets.get(t.cloud);
    decisions.push({
      kind: "drifted",
      cloud: t.cloud,
      vmType: t.worker.vmType,
      workers: [t.worker.name],
      reason:
        t.state.runningJobs > 0
          ? `launch settings changed since it booted; kept until its ${plural(t.state.runningJobs, "job")} finish`
          : `launch settings changed since it booted; waiting for the disruption budget (${budget?.inFlight ?? 0} of ${budget?.budget ?? 0} in use)`,
    });
  }
}

/**
 * Per cloud, how many kept workers went idle and how many busy again: each worker's entry as
 * read beside the one kept for it (what summarize would find pairing the pools by name).
 */
function idleChanges(tracked: readonly Tracked[], cancelled: ReadonlySet<string>): IdleChanges {
  const changes = new Map<string, { nowIdle: number; nowBusy: number }>();
  for (const t of tracked) {
    const now = t.kept;
    if (now === undefined || (cancelled.size > 0 && cancelled.has(now.name))) continue;
    const was = t.state.entry;
    const wentIdle = was.idleSince === undefined && now.idleSince !== undefined;
    const busyAgain = was.idleSince !== undefined && now.idleSince === undefined;
    if (!wentIdle && !busyAgain) continue;
    const counts = changes.get(t.cloud) ?? { nowIdle: 0, nowBusy: 0 };
    if (wentIdle) counts.nowIdle++;
    else counts.nowBusy++;
    changes.set(t.cloud, counts);
  }
  return changes;
}

function retireHolds(fleet: Fleet): Map<string, NonNullable<StateWorker["retireHold"]>> {
  const holds = new Map<string, NonNullable<StateWorker["retireHold"]>>();
  for (const w of fleet.workers) if (w.retireHold) holds.set(w.entry.name, w.retireHold);
  return holds;
}

function isEnabled(config: Config, cloud: string): boolean {
  return Object.hasOwn(config.clouds, cloud) && config.clouds[cloud]?.enabled === true;
}

/**
 * The workers sorted by name. The first `booted` come from the fleet, already sorted; the new
 * ones after them are few: sorted apart and merged in.
 */
function sortedByName(workers: PoolWorker[], booted: number): PoolWorker[] {
  const byName = (a: PoolWorker, b: PoolWorker) => compareText(a.name, b.name);
  for (let i = 1; i < booted; i++) {
    if (byName(workers[i - 1] as PoolWorker, workers[i] as PoolWorker) > 0) {
      return workers.sort(byName);
    }
  }
  if (booted === workers.length) return workers;
  const fresh = workers.slice(booted).sort(byName);
  const merged: PoolWorker[] = new Array(workers.length);
  let i = 0;
  let j = 0;
  for (let k = 0; k < merged.length; k++) {
    const old = i < booted ? (workers[i] as PoolWorker) : undefined;
    const next = j < fresh.length ? (fresh[j] as PoolWorker) : undefined;
    if (next === undefined || (old !== undefined && byName(old, next) <= 0)) {
      merged[k] = old as PoolWorker;
      i++;
    } else {
      merged[k] = next;
      j++;
    }
  }
  return merged;
}

/**
 * WorkerNamer's hint: per cloud and VM type, the number below which the cloud's pool already
 * holds every name (fleet.workers are sorted by cloud, then name).
 */
function poolNumbering(fleet: Fleet): (cloud: string, vmType: string) => number {
  let ranges: Map<string, [number, number]> | undefined;
  const workers = fleet.workers;
  const nameAt = (i: number) => (workers[i] as StateWorker).entry.name;
  return (cloud, vmType) => {
    if (ranges === undefined) {
      ranges = new Map();
      // The workers come cloud by cloud: a cloud's range is looked up only where one starts.
      let last: [number, number] | undefined;
      let lastCloud: string | undefined;
      for (let i = 0; i < workers.length; i++) {
        const at = (workers[i] as StateWorker).cloud;
        if (at !== lastCloud) {
          lastCloud = at;
          last = ranges.get(at);
          if (last === undefined) {
            last = [i, i];
            ranges.set(at, last);
          }
        }
        (last as [number, number])[1] = i + 1;
      }
    }
    const range = ranges.get(cloud);
    return range === undefined ? 1 : firstUnlisted(nameAt, range[0], range[1], cloud, vmType);
  };
}

function namesOfStartds(workers: readonly ObservedWorker[]): Set<string> {
  const names = new Set<string>();
  for (const w of workers) if (w.workerName) names.add(w.workerName);
  return names;
}

/** One "not-ours" decision per startd no pool entry and no orphan server of ours claims. */
function notOurs(fleet: Fleet): Decision[] {
  const orphanNames = new Set(fleet.orphans.map((o) => o.server.name));
  const found: Decision[] = [];
  for (const w of fleet.strangers) {
    if (w.workerName !== undefined && orphanNames.has(w.workerName)) continue;
    found.push({
      kind: "not-ours",
      machine: w.machine,
      reason:
        w.workerName === undefined
          ? `startd ${quote(w.machine)} has no CloudSchedulerVM: not booted by cloudscheduler, left alone`
          : `startd ${quote(w.machine)} says CloudSchedulerVM ${quote(w.workerName)}, which is in no pool: left alone`,
    });
  }
  return found;
}

/** +VMKeepAlive of a running job raises the keep-alive of the worker it runs on (capped). */
function raiseKeepAlive(tracked: Tracked[]): void {
  for (const t of tracked) {
    const seconds = Math.min(MAX_JOB_KEEP_ALIVE_SECONDS, t.state.jobKeepAliveSeconds);
    if (seconds > t.worker.keepAliveSeconds) {
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
