// The simulator's event loop: simulated clouds and a simulated HTCondor in simulated time,
// driven by the real scheduler cycle (runCycle: real condor parsing, plan, pool files, deploy
// interface). Every policy.cycle seconds a cycle runs; between cycles, job arrivals, job ends
// and boots happen as events at their own times.
//
// Quiet stretches are skipped exactly: after a cycle that changed nothing but times, the next
// cycles can differ only when an event happens or a time limit of the plan passes (boot
// timeout, keep-alive, drain timeout, back-off), so the loop jumps to the cycle just before the
// next such moment and the one at it.
// `exact: true` runs every cycle; a test checks both give the same outcome.
import type { Config } from "../config/schema.js";
import { BackoffTracker } from "../deploy/backoff.js";
import { ARRIVAL_MODES, adaptiveKeepAlive } from "../plan/keep-alive.js";
import { baseKeepAlive } from "../plan/retire.js";
import type { PlanInput, PlanResult } from "../plan/types.js";
import type { PoolWorker } from "../pool/types.js";
import type { ArrivalRecord } from "../run/arrivals.js";
import { CycleMemory, type CycleReport, runCycle } from "../run/cycle.js";
import type { CycleLogger } from "../run/logger.js";
import type { PoolFiles } from "../run/pool-files.js";
import type { HoldCause } from "./accounting.js";
import { EventQueue } from "./event-queue.js";
import { mean, percentile, type RunMetrics, type Series } from "./metrics.js";
import { seededRandom } from "./random.js";
import {
  type CloudBehaviour,
  DEFAULT_BEHAVIOUR,
  type InstanceProgram,
  SimCloud,
} from "./sim-cloud.js";
import { SimCondor } from "./sim-condor.js";
import { MemoryPoolFiles } from "./sim-pools.js";
import type { SimJobSpec } from "./trace-map.js";

export interface SimulationOptions {
  config: Config;
  jobs: readonly SimJobSpec[];
  /** Name in the report ("cloudscheduler", "static", "classic"). */
  policy?: string;
  /**
   * false: workers deleted before they joined are not fenced first (the cycle before the join
   * fence), to measure what the fence prevents. Default true, as the daemon runs.
   */
  fence?: boolean;
  /** Alternative planner (baselines); default the real plan(). */
  planner?: (input: PlanInput) => PlanResult;
  seed?: number;
  behaviour?: (cloud: string) => CloudBehaviour;
  program?: InstanceProgram;
  pools?: PoolFiles;
  log?: CycleLogger;
  /**
   * Print and parse HTCondor's JSON for one observation in this many (checked equal to the
   * directly built records, which the others use); default 1: every observation.
   */
  condorJsonEvery?: number;
  /** Run every cycle instead of skipping quiet stretches. */
  exact?: boolean;
  /** Stop as soon as every job is done, even with workers left (a static pool never empties). */
  stopWhenJobsDone?: boolean;
  /** Simulated seconds after the last submit before giving up on unfinished jobs. */
  graceSeconds?: number;
  /** Stop when a job has waited this long with no job running: the policy is stuck. Default 1 day. */
  stallSeconds?: number;
  /** Time series: at most this many samples are kept (evenly thinned). */
  maxSamples?: number;
  onCycle?: (report: CycleReport, world: SimWorld) => void | Promise<void>;
  onProgress?: (progress: {
    now: number;
    fraction: number;
    finished: number;
    total: number;
  }) => void;
}

/** The simulated world, for callers that look inside (tests, the sandbox's screen). */
export interface SimWorld {
  events: EventQueue;
  condor: SimCondor;
  cloud: SimCloud;
  pools: PoolFiles;
  backoff: BackoffTracker;
}

export interface SimulationResult {
  metrics: RunMetrics;
  series: Series;
  world: SimWorld;
  /** Wait of every finished job, seconds (for histograms and tests). */
  waits: number[];
}

const quietLog: CycleLogger = { info() {}, warn() {}, error() {} };

export async function simulate(options: SimulationOptions): Promise<SimulationResult> {
  const { config } = options;
  const cycle = Math.max(1, config.policy.cycle);
  const jobs = [...options.jobs].sort((a, b) => a.submit - b.submit);
  const start = Math.floor((jobs[0]?.submit ?? 0) / cycle) * cycle;
  const lastSubmit = jobs[jobs.length - 1]?.submit ?? start;
  const maxRuntime = jobs.reduce((m, j) => Math.max(m, j.runtime), 0);
  const deadline = lastSubmit + maxRuntime + (options.graceSeconds ?? 2 * 86_400);

  const events = new EventQueue(start);
  const condor = new SimCondor(events, options.condorJsonEvery ?? 1);
  const random = seededRandom(options.seed ?? 1);
  const behaviour = options.behaviour ?? (() => DEFAULT_BEHAVIOUR);
  const cloud = new SimCloud(events, condor, random, behaviour, options.program);
  const pools = options.pools ?? new MemoryPoolFiles();
  const backoff = new BackoffTracker();
  const world: SimWorld = { events, condor, cloud, pools, backoff };
  let submitted = 0;
  for (const job of jobs) {
    events.at(job.submit, () => {
      condor.submit(job);
      submitted++;
    });
  }

  const deps = {
    condor,
    // Workers deleted before they joined are fenced first, as the daemon does (run/fence.ts).
    ...(options.fence === false ? {} : { fence: condor }),
    deployer: cloud,
    pools,
    backoff,
    log: options.log ?? quietLog,
    ...(options.planner ? { planner: options.planner } : {}),
  };
  const memory = new CycleMemory();
  const series: Series = { t: [], idle: [], running: [], workers: {} };
  const clouds = Object.keys(config.clouds).sort();
  for (const c of clouds) series.workers[c] = [];
  const counts = {
    cycles: 0,
    drains: 0,
    failedDeploys: 0,
    bootTimeouts: 0,
    cycleErrors: 0,
    retireFailures: 0,
    overQuota: 0,
    deployFailures: {} as Record<string, number>,
  };

  let t = start;
  let lastProgress = -1;
  let stalledAt: number | undefined;
  let structure: Record<string, PoolWorker[]> = {};
  for (;;) {
    events.advanceTo(t);
    const report = await runCycle(deps, memory, config, "sim", t);
    counts.cycles++;
    counts.drains += report.retired.length;
    counts.retireFailures += report.retireFailures.length;
    if (report.error) counts.cycleErrors++;
    for (const d of report.deploys) {
      if (d.ok) continue;
      counts.failedDeploys++;
      const kind = d.errorKind ?? "unknown";
      counts.deployFailures[kind] = (counts.deployFailures[kind] ?? 0) + 1;
    }
    for (const d of report.plan?.decisions ?? [])
      if (d.kind === "never-registered") counts.bootTimeouts++;
    noteHolds(condor, config, report, t);
    const poolsNow = report.plan ? report.plan.pools : await pools.readAll(clouds);
    counts.overQuota = Math.max(counts.overQuota, overQuota(config, poolsNow));
    sample(series, t, condor, cloud, clouds);
    await options.onCycle?.(report, world);

    const allSubmitted = submitted === jobs.length;
    const jobsDone = allSubmitted && condor.queued === 0;
    const live = Object.values(cloud.liveByCloud()).reduce((a, b) => a + b, 0);
    if (jobsDone && (options.stopWhenJobsDone || (live === 0 && poolSize(poolsNow) === 0))) break;
    if (t >= deadline) break;
    // Only when nothing runs: finding the oldest idle job walks the queue.
    const oldestIdle = condor.runningJobs === 0 ? condor.oldestIdleSince() : undefined;
    if (oldestIdle !== undefined && t - oldestIdle >= (options.stallSeconds ?? 86_400)) {
      stalledAt = t;
      break;
    }

    const progress = Math.min(20, Math.floor(((t - start) / Math.max(1, lastSubmit - start)) * 20));
    if (progress !== lastProgress && options.onProgress) {
      lastProgress = progress;
      options.onProgress({
        now: t,
        fraction: Math.min(1, (t - start) / Math.max(1, lastSubmit - start)),
        finished: condor.counters.finished,
        total: jobs.length,
      });
    }

    // Like the daemon, the next cycle starts policy.cycle after this one ended (its ups take time).
    const ended = events.now();
    const next = ended + cycle;
    const quiet =
      !options.exact &&
      !report.error &&
      report.retired.length === 0 &&
      report.retireFailures.length === 0 &&
      report.deploys.every(
        (d) => d.ok && (d.changes?.create ?? 0) + (d.changes?.delete ?? 0) === 0,
      ) &&
      sameStructure(poolsNow, structure) &&
      // A ramp hold ends with time alone (max_hold, the running jobs' ages): run every cycle.
      !(report.plan?.decisions ?? []).some(
        (d) => d.kind === "unserved" && d.reason.includes("(ramp)"),
      );
    structure = poolsNow;
    if (!quiet) {
      t = next;
      continue;
    }
    const wake = Math.min(
      events.nextTime() ?? Number.POSITIVE_INFINITY,
      nextDeadline(config, poolsNow, backoff, t, report, memory.arrivals),
      deadline,
    );
    // The first cycle at or after `wake`, and the one before it. Skipped cycles deploy
    // nothing, so they take no time and keep to the grid of this one's end.
    const atWake = ended + Math.max(1, Math.ceil((wake - ended) / cycle)) * cycle;
    t = atWake - cycle > ended ? atWake - cycle : atWake;
  }

  const end = events.now();
  const finished = condor.finished;
  const waits = finished.map((j) => j.startedAt - j.submit);
  const jobCoreSeconds = finished.reduce((s, j) => s + (j.finishedAt - j.startedAt) * j.cores, 0);
  const paid = cloud.paidCoreSeconds(end);
  const paidBy = cloud.paidBreakdown(end);
  const c = cloud.counters;
  const metrics: RunMetrics = {
    policy: options.policy ?? "cloudscheduler",
    jobs: {
      submitted: jobs.length,
      finished: finished.length,
      unfinished: jobs.length - finished.length,
    },
    wait: {
      mean: mean(waits),
      p95: percentile(waits, 95),
      max: waits.reduce((m, w) => Math.max(m, w), 0),
    },
    jobCoreHours: jobCoreSeconds / 3600,
    paidCoreHours: paid / 3600,
    utilisation: paid > 0 ? jobCoreSeconds / paid : 0,
    peakWorkers: cloud.peakInstances,
    boots: c.created,
    unusedBoots: c.unusedBoots,
    cancelledBoots: c.cancelledBoots,
    fencedJoins: condor.counters.fencedJoins,
    drains: counts.drains,
    deployOps: {
      ups: c.ups,
      changing: c.changingUps,
      failed: counts.failedDeploys,
      destroys: c.destroys,
    },
    quotaHits: c.quotaHits,
    failures: {
      apiErrors: c.apiErrors,
      instanceErrors: c.instanceErrors,
      neverJoined: c.neverJoined,
      bootTimeouts: counts.bootTimeouts,
      cycleErrors: counts.cycleErrors,
      retireFailures: counts.retireFailures,
      deploys: counts.deployFailures,
      jobsEvicted: condor.counters.evicted,
    },
    poolOverQuota: counts.overQuota,
    waitBreakdown: Object.fromEntries(
      Object.entries(condor.waits.seconds).map(([k, v]) => [k, v / Math.max(1, waits.length)]),
    ) as RunMetrics["waitBreakdown"],
    paidBreakdown: Object.fromEntries(
      Object.entries(paidBy).map(([k, v]) => [k, v / 3600]),
    ) as RunMetrics["paidBreakdown"],
    ...(stalledAt === undefined ? {} : { stalledAt }),
    cycles: counts.cycles,
    simulatedSeconds: end - start,
    commits: pools instanceof MemoryPoolFiles ? pools.commitCount : 0,
  };
  return { metrics, series: thin(series, options.maxSamples ?? 4000), world, waits };
}

function sample(
  series: Series,
  t: number,
  condor: SimCondor,
  cloud: SimCloud,
  clouds: string[],
): void {
  series.t.push(t);
  series.idle.push(condor.idleJobs);
  series.running.push(condor.runningJobs);
  const live = cloud.liveByCloud();
  for (const c of clouds) (series.workers[c] as number[]).push(live[c] ?? 0);
}

/** Keeps at most `max` samples, taking the largest value of each bucket so peaks survive. */
function thin(series: Series, max: number): Series {
  const n = series.t.length;
  if (n <= max) return series;
  const step = Math.ceil(n / max);
  const pick = (values: number[]) => {
    const out: number[] = [];
    for (let i = 0; i < n; i += step) out.push(Math.max(...values.slice(i, i + step)));
    return out;
  };
  const workers: Record<string, number[]> = {};
  for (const [c, values] of Object.entries(series.workers)) workers[c] = pick(values);
  const t: number[] = [];
  for (let i = 0; i < n; i += step) t.push(series.t[i] as number);
  return { t, idle: pick(series.idle), running: pick(series.running), workers };
}

/** Per cloud the same workers by name and state, in order: what a quiet cycle leaves unchanged. */
function sameStructure(
  a: Readonly<Record<string, readonly PoolWorker[]>>,
  b: Readonly<Record<string, readonly PoolWorker[]>>,
): boolean {
  for (const cloud of new Set([...Object.keys(a), ...Object.keys(b)])) {
    // A cloud with no pool and one with an empty pool hold the same workers: none.
    const x = a[cloud] ?? [];
    const y = b[cloud] ?? [];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) {
      const v = x[i] as PoolWorker;
      const w = y[i] as PoolWorker;
      if (v.name !== w.name || v.state !== w.state) return false;
    }
  }
  return true;
}

/**
 * The earliest moment after `after` a time limit of the plan passes for any worker, or a
 * back-off ends. A limit already passed at a quiet cycle changed nothing then and cannot later.
 */
function nextDeadline(
  config: Config,
  pools: Record<string, PoolWorker[]>,
  backoff: BackoffTracker,
  after: number,
  report: CycleReport,
  arrivals: ArrivalRecord,
): number {
  let soonest = Number.POSITIVE_INFINITY;
  const consider = (time: number) => {
    if (time > after && time < soonest) soonest = time;
  };
  const policy = config.policy;
  // The arrival keep-alive modes set each idle worker's keep-alive from the cycle's arrival
  // record: the same function the plan calls, on the same input. Adaptive changes when an
  // arrival leaves its window; break-even when its grid of reboot-long intervals moves on.
  let chosen: Map<string, number> | undefined;
  if (policy.keep_alive.mode !== "fixed" && report.observation) {
    const { jobs, workers } = report.observation;
    const { mode, window } = policy.keep_alive;
    const recorded = ARRIVAL_MODES.has(mode) ? arrivals.history(after, window) : undefined;
    if (mode === "adaptive") {
      const expiry = arrivals.nextExpiry(after, window);
      if (expiry !== undefined) consider(expiry);
    }
    const seen = new Map(workers.map((w) => [w.workerName, w]));
    const candidates = Object.values(pools).flatMap((list) =>
      list.map((worker) => ({ worker, seen: seen.get(worker.name) })),
    );
    chosen = adaptiveKeepAlive(candidates, jobs, config, after, recorded);
    // The warm count also bounds the booting spares policy.cancel_boots leaves (plan/cancel.ts).
    const cancellable =
      policy.cancel_boots.max_age > 0 &&
      Object.values(pools).some((list) =>
        list.some(
          (w) => w.state === "booting" && after - w.createdAt <= policy.cancel_boots.max_age,
        ),
      );
    if (mode === "break-even" && ((chosen !== undefined && chosen.size > 0) || cancellable)) {
      const reboot = policy.boot_estimate + Math.max(1, policy.cycle);
      consider((Math.floor(after / reboot) + 1) * reboot);
    }
  }
  for (const workers of Object.values(pools)) {
    for (const w of workers) {
      if (w.state === "booting") consider(w.createdAt + policy.boot_timeout);
      else if (w.state === "registered") {
        const keepAlive =
          chosen?.get(w.name) ?? Math.max(w.keepAliveSeconds, baseKeepAlive(config, w.vmType));
        if (w.idleSince !== undefined) consider(w.idleSince + keepAlive);
      } else if (w.state === "draining") {
        consider((w.drainStartedAt ?? w.createdAt) + policy.drain_timeout);
      }
    }
  }
  for (const state of backoff.snapshot()) consider(state.until);
  return soonest;
}

function poolSize(pools: Record<string, PoolWorker[]>): number {
  return Object.values(pools).reduce((n, w) => n + w.length, 0);
}

/** How far the largest pool is above its cloud's configured quota, in workers (0 = within). */
function overQuota(config: Config, pools: Record<string, PoolWorker[]>): number {
  let worst = 0;
  for (const [name, workers] of Object.entries(pools)) {
    const quota = config.clouds[name]?.quota;
    if (!quota) continue;
    const cores = workers.reduce((n, w) => n + w.cores, 0);
    const ram = workers.reduce((n, w) => n + w.ramMb, 0);
    const over = Math.max(
      workers.length - quota.instances,
      cores > quota.cores || ram > quota.ram_mb ? 1 : 0,
    );
    worst = Math.max(worst, over);
  }
  return worst;
}

/** What the plan said holds each VM type's idle jobs from `t` on (its `unserved` blockers). */
function noteHolds(condor: SimCondor, config: Config, report: CycleReport, t: number): void {
  if (!report.plan) return;
  const held = new Map<string, HoldCause>();
  for (const d of report.plan.decisions) {
    if (d.kind !== "unserved" || d.vmType === undefined) continue;
    held.set(d.vmType, holdCauseOf(d.reason));
  }
  for (const vmType of Object.keys(config.vm_types)) condor.waits.hold(vmType, t, held.get(vmType));
}

/** The blocker that binds: boots per cycle or back-off before quota, which they hide. */
export function holdCauseOf(reason: string): HoldCause {
  if (reason.includes("(ramp)")) return "held: ramp";
  if (reason.includes("max_boots_per_cycle")) return "held: boots per cycle";
  if (reason.includes("back-off")) return "held: back-off";
  if (reason.includes("max_instances")) return "held: max_instances";
  if (reason.includes("quota")) return "held: quota";
  return "held: policy";
}
