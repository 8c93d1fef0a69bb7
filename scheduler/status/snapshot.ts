// buildStatus: the pure step from what the daemon knows (config, last cycle, back-off) to the
// snapshot every status view shows. No I/O, no clock: `now` is passed in.
import type { Config } from "../config/schema.js";
import type { CloudBackoffState } from "../deploy/backoff.js";
import { formatDecision, quote } from "../plan/reasons.js";
import type { PoolWorker } from "../pool/types.js";
import type { CycleReport } from "../run/cycle.js";
import { buildFleet } from "../state/build.js";
import type { Fleet } from "../state/types.js";
import { countJobs } from "./job-counts.js";
import type { CloudStatus, CountsByState, StatusSnapshot, WorkerStatus } from "./schema.js";
import { lifecycleState, workerProblem } from "./worker-state.js";

/** The config side of the status, kept by StatusState from the watcher's events. */
export type ConfigStatus = StatusSnapshot["config"];

export interface StatusLimits {
  /** Rows of the per-VM-type and per-owner job tables (the last one folds the rest). */
  jobRows: number;
  /** Decisions of the last cycle kept in the snapshot. */
  decisions: number;
  rejectedJobExamples: number;
}

export const DEFAULT_LIMITS: StatusLimits = { jobRows: 25, decisions: 200, rejectedJobExamples: 5 };

export interface StatusInput {
  now: number;
  /** The config in force (clouds, quotas); undefined before one loaded. */
  config: Config | undefined;
  configStatus: ConfigStatus;
  /** The last completed cycle and its number (1 for the first). */
  cycle?: { number: number; report: CycleReport } | undefined;
  /**
   * The last cycle that observed HTCondor, for workers, jobs and pools; default the last cycle.
   * A cycle that could not observe keeps showing the world as last seen, not an empty one.
   */
  world?: CycleReport | undefined;
  backoff: readonly CloudBackoffState[];
  limits?: StatusLimits;
}

export function buildStatus(input: StatusInput): StatusSnapshot {
  const limits = input.limits ?? DEFAULT_LIMITS;
  const report = input.cycle?.report;
  const world = input.world ?? report;
  const pools = world?.pools ?? world?.plan?.pools ?? {};
  const fleet = fleetOf(world, pools, input.now);
  const workers = workersOf(pools, fleet, input.now, world?.retireFailures ?? []);
  const decisions = report?.plan?.decisions ?? [];
  const rejected = report?.plan?.rejectedJobs ?? [];

  return {
    version: 1,
    generatedAt: input.now,
    config: input.configStatus,
    ...(input.cycle && report ? { cycle: cycleOf(input.cycle.number, report) } : {}),
    clouds: cloudsOf(input, pools, workers),
    workers,
    unmanagedStartds: fleet.strangers.length,
    orphans: fleet.orphans.map((o) => ({
      cloud: o.cloud,
      name: o.server.name,
      id: o.server.id,
      status: o.server.status,
      runningJobs: o.runningJobs,
      orphanSeconds: Math.max(0, input.now - o.firstSeen),
    })),
    jobs: countJobs(world?.observation?.jobs ?? [], limits.jobRows),
    decisions: decisions.slice(0, limits.decisions).map((d) => ({
      kind: d.kind,
      ...(d.cloud === undefined ? {} : { cloud: d.cloud }),
      ...(d.vmType === undefined ? {} : { vmType: d.vmType }),
      ...(d.workers === undefined ? {} : { workers: d.workers }),
      text: formatDecision(d),
    })),
    decisionsOmitted: Math.max(0, decisions.length - limits.decisions),
    rejectedJobs: {
      count: rejected.length,
      examples: rejected
        .slice(0, limits.rejectedJobExamples)
        .map((r) => `${r.jobId} (${quote(r.owner)}): ${r.reason}`),
    },
    retired: (report?.retired ?? []).map((r) => ({
      cloud: r.cloud,
      worker: r.worker,
      method: r.method,
      reason: r.reason,
    })),
    retireFailures: report?.retireFailures ?? [],
    deploys: report?.deploys ?? [],
    deploysInFlight: (report?.deploysInFlight ?? []).map((d) => ({ ...d })),
    destroyed: report?.destroyed ?? [],
    deletedServers: (report?.deletedServers ?? []).map((d) => ({ ...d })),
    recoveries: (report?.recoveries ?? []).map((r) => ({ ...r })),
    inventoryErrors: report?.inventoryErrors ?? [],
  };
}

/** The model the cycle planned with; rebuilt from the observation for reports without one. */
function fleetOf(
  world: CycleReport | undefined,
  pools: Record<string, PoolWorker[]>,
  now: number,
): Fleet {
  if (world?.fleet) return world.fleet;
  return buildFleet({
    pools,
    workers: world?.observation?.workers ?? [],
    jobs: world?.observation?.jobs ?? [],
    now,
  });
}

function cycleOf(number: number, report: CycleReport): NonNullable<StatusSnapshot["cycle"]> {
  return {
    number,
    startedAt: report.startedAt,
    durationSeconds: Math.round((report.durationMs ?? 0) / 10) / 100,
    revision: report.revision,
    ...(report.error === undefined ? {} : { error: report.error }),
    ...(report.commit === undefined ? {} : { commit: report.commit }),
  };
}

function workersOf(
  pools: Record<string, PoolWorker[]>,
  fleet: Fleet,
  now: number,
  retireFailures: CycleReport["retireFailures"],
): WorkerStatus[] {
  const failed = new Map(retireFailures.map((f) => [f.worker, f]));
  const rows: WorkerStatus[] = [];
  for (const cloud of Object.keys(pools).sort()) {
    for (const worker of pools[cloud] ?? []) {
      const state = fleet.byName.get(worker.name);
      const machine = state?.ads?.machine ?? worker.machine;
      const failure = failed.get(worker.name);
      const problem =
        failure === undefined
          ? workerProblem(worker, state, now)
          : failure.kind === "refused"
            ? `retire refused: HTCondor refused (${failure.reason ?? "?"}) for ${JSON.stringify(failure.machine)}: ${failure.advice ?? failure.error}`
            : `retire failed: ${failure.error}`;
      rows.push({
        name: worker.name,
        cloud,
        vmType: worker.vmType,
        state: lifecycleState(worker, state),
        poolState: worker.state,
        flavor: worker.flavor,
        cores: worker.cores,
        ramMb: worker.ramMb,
        createdAt: worker.createdAt,
        ageSeconds: Math.max(0, now - worker.createdAt),
        runningJobs: state?.runningJobs ?? 0,
        ...(machine ? { machine } : {}),
        ...(problem ? { problem } : {}),
      });
    }
  }
  return rows.sort((a, b) => compare(a.cloud, b.cloud) || compare(a.name, b.name));
}

function cloudsOf(
  input: StatusInput,
  pools: Record<string, PoolWorker[]>,
  workers: readonly WorkerStatus[],
): CloudStatus[] {
  const configured = input.config?.clouds ?? {};
  const names = [...new Set([...Object.keys(configured), ...Object.keys(pools)])].sort();
  const backoff = new Map(input.backoff.map((b) => [b.cloud, b]));
  return names.map((name) => {
    const cloud = configured[name];
    const pool = pools[name] ?? [];
    const mine = workers.filter((w) => w.cloud === name);
    const off = backoff.get(name);
    return {
      name,
      enabled: cloud?.enabled ?? false,
      inConfig: cloud !== undefined,
      weight: cloud?.weight ?? 0,
      ...(off
        ? {
            backoff: {
              failures: off.failures,
              until: off.until,
              active: input.now < off.until,
              ...(off.lastErrorKind === undefined ? {} : { lastErrorKind: off.lastErrorKind }),
              lastError: off.lastError,
            },
          }
        : {}),
      quota: {
        instances: { used: pool.length, total: cloud?.quota.instances ?? 0 },
        cores: { used: sum(pool, (w) => w.cores), total: cloud?.quota.cores ?? 0 },
        ramMb: { used: sum(pool, (w) => w.ramMb), total: cloud?.quota.ram_mb ?? 0 },
      },
      workers: countStates(mine),
      runningJobs: sum(mine, (w) => w.runningJobs),
    };
  });
}

export function countStates(workers: readonly WorkerStatus[]): CountsByState {
  const counts: CountsByState = {
    booting: 0,
    registered: 0,
    busy: 0,
    idle: 0,
    draining: 0,
    failed: 0,
  };
  for (const w of workers) counts[w.state] += 1;
  return counts;
}

function sum<T>(items: readonly T[], of: (item: T) => number): number {
  return items.reduce((total, item) => total + of(item), 0);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
