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
import type { ArrivalHistory } from "./types.js";

export interface IdleCandidate {
  worker: PoolWorker;
  seen: ObservedWorker | undefined;
}

/** Per VM type, the jobs that arrived (PlanInput.arrivals). */
export type Arrivals = ReadonlyMap<string, ArrivalHistory>;

/** The keep-alive modes that weigh the arrivals. */
export const ARRIVAL_MODES: ReadonlySet<string> = new Set(["adaptive", "break-even"]);

/**
 * The arrivals the keep-alive weighs: those the cycle recorded (jobs since finished included),
 * else the jobs still in condor_q submitted within the window (a job that has finished is gone
 * from it, so this undercounts short jobs).
 */
export function arrivalsOf(
  recorded: Arrivals | undefined,
  jobs: readonly Job[],
  now: number,
  window: number,
): Arrivals {
  if (recorded !== undefined) return recorded;
  const since = now - window;
  const times = new Map<string, number[]>();
  for (const job of jobs) {
    if (job.vmType === undefined || job.queuedAt <= since || job.queuedAt > now) continue;
    const list = times.get(job.vmType) ?? [];
    list.push(job.queuedAt);
    times.set(job.vmType, list);
  }
  const out = new Map<string, ArrivalHistory>();
  for (const [vmType, list] of times) out.set(vmType, { since, times: list.sort((x, y) => x - y) });
  return out;
}

/**
 * The median number of jobs that arrived per reboot-long interval: the last whole intervals of
 * a fixed grid (multiples of `reboot`) before now, as many as the history's span holds less one
 * (so each lies in the history whatever the phase of now), so the figure changes only when the
 * grid moves on or the history does. The median, not the mean: an hour with one burst of 50
 * jobs has a high mean and a median of 0, and no job is likely in the next few minutes.
 */
export function medianPerInterval(history: ArrivalHistory, now: number, reboot: number): number {
  const end = Math.floor(now / reboot) * reboot;
  const count = Math.max(1, Math.floor((now - history.since) / reboot) - 1);
  const start = end - count * reboot;
  const perInterval = new Array<number>(count).fill(0);
  for (const at of history.times) {
    if (at < start || at >= end) continue;
    const i = Math.floor((at - start) / reboot);
    perInterval[i] = (perInterval[i] ?? 0) + 1;
  }
  perInterval.sort((x, y) => y - x);
  // The most that more than half the intervals brought (more likely than not, not a tie).
  return perInterval[Math.floor(count / 2)] ?? 0;
}

/**
 * The keep-alive each idle registered worker gets this cycle (by name), or undefined when
 * `policy.keep_alive.mode` is "fixed" (every worker keeps its own keep-alive). `recorded`: the
 * cycle's arrivals (PlanInput.arrivals); absent, they are read from `jobs`.
 */
export function adaptiveKeepAlive(
  candidates: readonly IdleCandidate[],
  jobs: readonly Job[],
  config: Config,
  now: number,
  recorded?: Arrivals,
): Map<string, number> | undefined {
  const policy = config.policy.keep_alive;
  if (policy.mode === "fixed") return undefined;
  if (policy.mode === "per-core") return perCore(candidates, config);
  if (policy.mode === "break-even")
    return breakEven(candidates, arrivalsOf(recorded, jobs, now, policy.window), config, now);
  const idleByType = new Map<string, PoolWorker[]>();
  for (const { worker, seen } of candidates) {
    if (worker.state !== "registered" || !seen || seen.runningJobs > 0) continue;
    const list = idleByType.get(worker.vmType) ?? [];
    list.push(worker);
    idleByType.set(worker.vmType, list);
  }
  const out = new Map<string, number>();
  if (idleByType.size === 0) return out;
  const arrivals = arrivalsOf(recorded, jobs, now, policy.window);
  for (const [vmType, workers] of idleByType) {
    const full = baseKeepAlive(config, vmType);
    const history = arrivals.get(vmType);
    const expected =
      history === undefined ? 0 : (history.times.length / Math.max(1, now - history.since)) * full;
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
 * Ski rental with the arrivals: keeping an idle worker costs its cores by the second; letting it
 * go and booting again when a job comes costs its cores for a boot and a drain (a reboot:
 * boot_estimate + one cycle). Both scale with the cores, so the size cancels out: the k-th idle
 * worker of a VM type (most recently idle first, the order they are filled in) is worth keeping
 * while k jobs of its type are expected within a reboot. Expected as the median of the jobs
 * that arrived per reboot-long interval over the window (see medianPerInterval), times
 * `spares_per_arrival`: for jobs arriving one by one at rate r the median is about r x reboot,
 * the mean; for jobs arriving in bursts it is what most intervals bring, not what one burst did.
 * Those keep their full keep-alive (the bound on what a wrong guess costs), or with
 * `cap_at_reboot` at most a reboot's time (ski rental's break-even: idle longer than a reboot
 * costs more than the reboot it might save); the others retire when first seen idle.
 */
function breakEven(
  candidates: readonly IdleCandidate[],
  arrivals: Arrivals,
  config: Config,
  now: number,
): Map<string, number> {
  const policy = config.policy;
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
    const kept = policy.keep_alive.cap_at_reboot ? Math.min(full, rebootSeconds(policy)) : full;
    const warm = warmWorkers(arrivals.get(vmType), config, now);
    workers.sort(
      (a, b) => (b.idleSince ?? now) - (a.idleSince ?? now) || compareText(a.name, b.name),
    );
    workers.forEach((worker, rank) => {
      const own = worker.keepAliveSeconds > full ? worker.keepAliveSeconds : 0;
      out.set(worker.name, Math.max(own, rank < warm ? kept : 0));
    });
  }
  return out;
}

/** What a reboot costs in time: a boot (boot_estimate) and the cycle that drains the worker. */
export function rebootSeconds(policy: Config["policy"]): number {
  return policy.boot_estimate + Math.max(1, policy.cycle);
}

/**
 * How many spare workers of a VM type break-even keeps warm: the median of its jobs per
 * reboot-long interval (medianPerInterval) times `spares_per_arrival`, rounded down.
 */
export function warmWorkers(
  history: ArrivalHistory | undefined,
  config: Config,
  now: number,
): number {
  if (history === undefined) return 0;
  const expected = medianPerInterval(history, now, rebootSeconds(config.policy));
  return Math.floor(expected * config.policy.keep_alive.spares_per_arrival);
}

/**
 * Per VM type, how many more spare workers the keep-alive would keep warm beyond the idle ones
 * it has: break-even's warm count less the type's idle registered workers (0 in other modes,
 * which keep no count). What plan/cancel.ts leaves of the booting workers nobody needs.
 */
export function warmRoomLeft(
  candidates: readonly IdleCandidate[],
  jobs: readonly Job[],
  config: Config,
  now: number,
  recorded?: Arrivals,
): (vmType: string) => number {
  const policy = config.policy.keep_alive;
  if (policy.mode !== "break-even") return () => 0;
  const idle = new Map<string, number>();
  for (const { worker, seen } of candidates) {
    if (worker.state !== "registered" || !seen || seen.runningJobs > 0) continue;
    idle.set(worker.vmType, (idle.get(worker.vmType) ?? 0) + 1);
  }
  const arrivals = arrivalsOf(recorded, jobs, now, policy.window);
  return (vmType) =>
    Math.max(0, warmWorkers(arrivals.get(vmType), config, now) - (idle.get(vmType) ?? 0));
}
