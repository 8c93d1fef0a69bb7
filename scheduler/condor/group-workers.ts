// Slots -> workers: all slots of one startd, keyed by CloudSchedulerVM (the pool entry the worker
// was booted as) or, for a startd cloudscheduler did not boot, by Machine. Pure.
import type { ObservedWorker, Slot } from "./types.js";

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
export function groupWorkers(slots: readonly Slot[]): ObservedWorker[] {
  const groups = new Map<string, Slot[]>();
  for (const slot of slots) {
    const key = slot.workerName !== undefined ? `vm:${slot.workerName}` : `host:${slot.machine}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [slot]);
    else group.push(slot);
  }
  const workers: ObservedWorker[] = [];
  for (const group of groups.values()) {
    group.sort((a, b) => compare(a.name, b.name) || compare(a.machine, b.machine));
    const first = group[0] as Slot;
    const worker: ObservedWorker = {
      machine: first.machine,
      slots: group,
      runningJobs: group.filter(isRunningSlot).length,
      draining: group.some((slot) => slot.draining),
    };
    if (first.workerName !== undefined) worker.workerName = first.workerName;
    const vmType = group.find((slot) => slot.vmType !== undefined)?.vmType;
    if (vmType !== undefined) worker.vmType = vmType;
    const lifeEnds = group.find((slot) => slot.lifeEndsAt !== undefined)?.lifeEndsAt;
    if (lifeEnds !== undefined) worker.lifeEndsAt = lifeEnds;
    workers.push(worker);
  }
  return workers.sort(
    (a, b) => compare(a.workerName ?? "", b.workerName ?? "") || compare(a.machine, b.machine),
  );
}
