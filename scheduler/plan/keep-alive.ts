// Keep-alive from the arrival rate: an idle worker is worth keeping only while a job of its VM
// type is likely to come for it; otherwise the keep-alive is paid for nothing. Per VM type the
// planner keeps a warm pool as large as the number of jobs of that type expected within the
// keep-alive (the arrival rate over `policy.keep_alive.window`: from the cycle's arrival record,
// scheduler/run/arrivals.ts, which counts jobs since finished, or else from condor_q); those keep
// their full keep-alive, the most recently idle first, and the other idle workers of the type
// retire after `policy.keep_alive.min` (after a burst, a whole pool of idle workers would
// otherwise wait out the keep-alive for the one or two jobs that may follow).
// A job's own +VMKeepAlive (raised into the worker's stored keep-alive) is always honoured.
import type { Job, ObservedWorker } from "../condor/types.js";
import type { Config } from "../config/schema.js";
import type { PoolWorker } from "../pool/types.js";
import { compareText } from "./match.js";
import { baseKeepAlive } from "./retire.js";

export interface IdleCandidate {
  worker: PoolWorker;
  seen: ObservedWorker | undefined;
}

/** Jobs per second, per VM type: the arrival rate the keep-alive weighs. */
export type ArrivalRates = ReadonlyMap<string, number>;

/** The keep-alive modes that weigh the arrival rate. */
export const ARRIVAL_MODES: ReadonlySet<string> = new Set(["adaptive", "break-even"]);

/**
 * Jobs of each VM type expected in the next `seconds`: from the recorded arrival rates when the
 * cycle gives them, else from the arrivals still in condor_q over the window (a job that has
 * finished is gone from it, so this undercounts short jobs).
 */
function expectedWithin(
  rates: ArrivalRates | undefined,
  jobs: readonly Job[],
  now: number,
  window: number,
  seconds: number,
): Map<string, number> {
  if (rates === undefined) return expectedArrivals(jobs, now, window, seconds);
  const out = new Map<string, number>();
  for (const [vmType, rate] of rates) out.set(vmType, rate * seconds);
  return out;
}

/** Jobs of each VM type expected in the next `seconds`, from arrivals seen in the window. */
export function expectedArrivals(
  jobs: readonly Job[],
  now: number,
  window: number,
  seconds: number,
): Map<string, number> {
  const counts = new Map<string, number>();
  if (window <= 0) return counts;
  for (const job of jobs) {
    if (job.vmType === undefined || job.queuedAt < now - window || job.queuedAt > now) continue;
    counts.set(job.vmType, (counts.get(job.vmType) ?? 0) + 1);
  }
  for (const [vmType, n] of counts) counts.set(vmType, (n / window) * seconds);
  return counts;
}

/**
 * The keep-alive each idle registered worker gets this cycle (by name), or undefined when
 * `policy.keep_alive.mode` is "fixed" (every worker keeps its own keep-alive). `rates`: the
 * recorded arrival rates (PlanInput.arrivalRates); absent, arrivals are read from `jobs`.
 */
export function adaptiveKeepAlive(
  candidates: readonly IdleCandidate[],
  jobs: readonly Job[],
  config: Config,
  now: number,
  rates?: ArrivalRates,
): Map<string, number> | undefined {
  const policy = config.policy.keep_alive;
  if (policy.mode === "fixed") return undefined;
  if (policy.mode === "per-core") return perCore(candidates, config);
  if (policy.mode === "break-even") return breakEven(candidates, jobs, config, now, rates);
  const idleByType = new Map<string, PoolWorker[]>();
  for (const { worker, seen } of candidates) {
    if (worker.state !== "registered" || !seen || seen.runningJobs > 0) continue;
    const list = idleByType.get(worker.vmType) ?? [];
    list.push(worker);
    idleByType.set(worker.vmType, list);
  }
  const out = new Map<string, number>();
  for (const [vmType, workers] of idleByType) {
    const full = baseKeepAlive(config, vmType);
    const expected = expectedWithin(rates, jobs, now, policy.window, full).get(vmType) ?? 0;
    const warm = Math.ceil(expected * policy.spares_per_arrival);
    // Most recently idle first: the stalest idle workers are the ones to let go.
    workers.sort(
      (a, b) => (b.idleSince ?? now) - (a.idleSince ?? now) || compareText(a.name, b.name),
    );
    workers.forEach((worker, rank) => {
      const own = worker.keepAliveSeconds > full ? worker.keepAliveSeconds : 0;
      out.set(worker.name, Math.max(own, rank < warm ? full : Math.min(full, policy.min)));
    });
  }
  return out;
}

/**
 * The same keep-alive budget in core-seconds for every idle worker: a 1-core worker keeps its
 * full keep-alive, a 32-core one a 32nd of the budget. Idle cores cost by the core; a warm
 * worker saves one job its wait whatever its size, so waiting is cut cheapest on small VMs.
 */
function perCore(candidates: readonly IdleCandidate[], config: Config): Map<string, number> {
  const out = new Map<string, number>();
  const budget = config.policy.keep_alive.core_seconds;
  const cycle = Math.max(1, config.policy.cycle);
  for (const { worker, seen } of candidates) {
    if (worker.state !== "registered" || !seen || seen.runningJobs > 0) continue;
    const full = baseKeepAlive(config, worker.vmType);
    const own = worker.keepAliveSeconds > full ? worker.keepAliveSeconds : 0;
    // Retirement is decided once a cycle: the worker keeps the whole cycles its share pays for,
    // never more (the budget is a cap on what one idle spell costs). An idle worker is first seen
    // idle up to a cycle after its job ended, so 0 is already up to a cycle of keep-alive.
    const share = Math.min(full, budget / Math.max(1, worker.cores));
    out.set(worker.name, Math.max(own, Math.floor(share / cycle) * cycle));
  }
  return out;
}

/**
 * Ski rental with the arrival rate: keeping an idle worker costs its cores by the second; letting
 * it go and booting again when a job comes costs its cores for a boot and a drain
 * (boot_estimate + one cycle). Both scale with the cores, so the size cancels out: with jobs of
 * its VM type arriving at rate r, the k-th idle worker of the type (most recently idle first, the
 * order they are filled in) expects its job after k / r seconds and is worth keeping while that
 * is shorter than a reboot: k <= r x (boot_estimate + cycle). Those keep their full keep-alive
 * (the bound on what a wrong guess costs); the others retire when first seen idle.
 */
function breakEven(
  candidates: readonly IdleCandidate[],
  jobs: readonly Job[],
  config: Config,
  now: number,
  rates: ArrivalRates | undefined,
): Map<string, number> {
  const policy = config.policy;
  const reboot = policy.boot_estimate + Math.max(1, policy.cycle);
  const idleByType = new Map<string, PoolWorker[]>();
  for (const { worker, seen } of candidates) {
    if (worker.state !== "registered" || !seen || seen.runningJobs > 0) continue;
    const list = idleByType.get(worker.vmType) ?? [];
    list.push(worker);
    idleByType.set(worker.vmType, list);
  }
  const out = new Map<string, number>();
  if (idleByType.size === 0) return out;
  const expected = expectedWithin(rates, jobs, now, policy.keep_alive.window, reboot);
  for (const [vmType, workers] of idleByType) {
    const full = baseKeepAlive(config, vmType);
    const warm = Math.floor((expected.get(vmType) ?? 0) * policy.keep_alive.spares_per_arrival);
    workers.sort(
      (a, b) => (b.idleSince ?? now) - (a.idleSince ?? now) || compareText(a.name, b.name),
    );
    workers.forEach((worker, rank) => {
      const own = worker.keepAliveSeconds > full ? worker.keepAliveSeconds : 0;
      out.set(worker.name, Math.max(own, rank < warm ? full : 0));
    });
  }
  return out;
}
