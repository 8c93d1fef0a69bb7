// Slots -> workers: all slots of one startd, keyed by CloudSchedulerVM (the pool entry the worker
// was booted as) or, for a startd cloudscheduler did not boot, by Machine. Pure.
import type { ObservedWorker, Slot, StartdAd } from "./types.js";

/** A slot that is running a job: every dynamic slot, or a claimed static slot. */
export function isRunningSlot(slot: Slot): boolean {
  if (slot.slotType === "Dynamic") return true;
  return slot.slotType === "Static" && slot.state === "Claimed";
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Groups slots into workers, sorted by worker name then machine, slots sorted by name, so the
 * same observation always gives the same value. A worker is idle when runningJobs is 0: its
 * partitionable slot has no dynamic slot (the p-slot itself stays Unclaimed/Idle while busy).
 */
export function groupWorkers(
  slots: readonly Slot[],
  startds: readonly StartdAd[] = [],
): ObservedWorker[] {
  const keyOf = (workerName: string | undefined, machine: string) =>
    workerName !== undefined ? `vm:${workerName}` : `host:${machine}`;
  const groups = new Map<string, Slot[]>();
  for (const slot of slots) {
    const key = keyOf(slot.workerName, slot.machine);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [slot]);
    else group.push(slot);
  }
  // A startd's daemon ad names it for condor_off; one without slot ads still proves it is alive.
  const daemons = new Map<string, StartdAd>();
  for (const startd of startds) {
    const key = keyOf(startd.workerName, startd.machine);
    const prior = daemons.get(key);
    if (prior === undefined || compare(startd.name, prior.name) < 0) daemons.set(key, startd);
    if (!groups.has(key)) groups.set(key, []);
  }
  const workers: ObservedWorker[] = [];
  for (const [key, group] of groups) {
    group.sort((a, b) => compare(a.name, b.name) || compare(a.machine, b.machine));
    const daemon = daemons.get(key);
    const first = group[0];
    const worker: ObservedWorker = {
      machine: first?.machine ?? daemon?.machine ?? "",
      slots: group,
      runningJobs: group.filter(isRunningSlot).length,
      draining: group.some((slot) => slot.draining),
    };
    const workerName = first?.workerName ?? daemon?.workerName;
    if (workerName !== undefined) worker.workerName = workerName;
    const vmType = group.find((slot) => slot.vmType !== undefined)?.vmType;
    if (vmType !== undefined) worker.vmType = vmType;
    if (daemon !== undefined) worker.daemonName = daemon.name;
    const lifeEnds = group.find((slot) => slot.lifeEndsAt !== undefined)?.lifeEndsAt;
    if (lifeEnds !== undefined) worker.lifeEndsAt = lifeEnds;
    workers.push(worker);
  }
  return workers.sort(
    (a, b) => compare(a.workerName ?? "", b.workerName ?? "") || compare(a.machine, b.machine),
  );
}
