// One scheduler cycle: observe HTCondor, plan, retire, commit the pool files, deploy.
// Nothing here decides policy (that is scheduler/plan/); this is the order of I/O and what
// happens when a step fails, so that a failure never loses work or leaks a VM.
import type { CondorClient } from "../condor/client.js";
import type { Job, ObservedWorker } from "../condor/types.js";
import type { CloudConfig, Config } from "../config/schema.js";
import type { BackoffTracker } from "../deploy/backoff.js";
import { classifyDeployError } from "../deploy/errors.js";
import type { DeployResult, PoolDeployer } from "../deploy/types.js";
import { plan } from "../plan/plan.js";
import type { PlanInput, PlanResult, RetireAction } from "../plan/types.js";
import type { PoolWorker } from "../pool/types.js";
import { commitMessage } from "./commit-message.js";
import type { CycleLogger } from "./logger.js";
import type { PoolFiles } from "./pool-files.js";

export interface CycleDeps {
  condor: CondorClient;
  deployer: PoolDeployer;
  pools: PoolFiles;
  backoff: BackoffTracker;
  log: CycleLogger;
  /** The planner; default plan(). The simulator passes baseline policies here to compare. */
  planner?: (input: PlanInput) => PlanResult;
}

export interface DeployOutcome {
  cloud: string;
  ok: boolean;
  changes?: DeployResult["changes"];
  errorKind?: string;
  error?: string;
  /** Workers taken back out of the pool because the cloud refused them. */
  undone?: string[];
  /** After a quota refusal: an up with only the kept workers removed what the refused one left. */
  cleanedUp?: boolean;
}

export interface CycleReport {
  revision: string;
  startedAt: number;
  /** Set when the cycle stopped early; nothing was changed after that point. */
  error?: string;
  jobs?: { total: number; idle: number; running: number };
  workersObserved?: number;
  plan?: PlanResult;
  retired: RetireAction[];
  retireFailures: { worker: string; error: string }[];
  commit?: string;
  deploys: DeployOutcome[];
  destroyed: string[];
  /** What the cycle observed, for status (aggregated there; never serialise it raw). */
  observation?: { jobs: Job[]; workers: ObservedWorker[] };
  /** The desired pools after the cycle (retire failures and refused boots taken back). */
  pools?: Record<string, PoolWorker[]>;
  /** Wall-clock time the cycle took (set by the daemon). */
  durationMs?: number;
}

/**
 * Remembers, across cycles, what each cloud's stack was last deployed with and the config of
 * every cloud seen, so a cloud removed from the config can still be emptied and destroyed.
 */
export class CycleMemory {
  readonly deployed = new Map<string, string>();
  readonly cloudConfigs = new Map<string, CloudConfig>();
}

export async function runCycle(
  deps: CycleDeps,
  memory: CycleMemory,
  config: Config,
  revision: string,
  now: number,
): Promise<CycleReport> {
  const report: CycleReport = {
    revision,
    startedAt: now,
    retired: [],
    retireFailures: [],
    deploys: [],
    destroyed: [],
  };
  for (const [name, cloud] of Object.entries(config.clouds)) memory.cloudConfigs.set(name, cloud);

  // 1. Observe. A failed or malformed answer ends the cycle: never plan on a partial world.
  let jobs: Awaited<ReturnType<CondorClient["jobs"]>>;
  let workers: Awaited<ReturnType<CondorClient["workers"]>>;
  let pools: Record<string, PoolWorker[]>;
  try {
    [jobs, workers, pools] = await Promise.all([
      deps.condor.jobs(),
      deps.condor.workers(),
      deps.pools.readAll(Object.keys(config.clouds)),
    ]);
  } catch (err) {
    report.error = `observation failed, nothing changed this cycle: ${messageOf(err)}`;
    deps.log.error({ err: messageOf(err) }, report.error);
    return report;
  }
  report.jobs = {
    total: jobs.length,
    idle: jobs.filter((j) => j.state === "idle").length,
    running: jobs.filter((j) => j.state === "running").length,
  };
  report.workersObserved = workers.length;
  report.observation = { jobs, workers };

  // 2. Plan (pure).
  const unavailableClouds = new Set(deps.backoff.unavailableClouds(now));
  const result = (deps.planner ?? plan)({ config, jobs, workers, pools, now, unavailableClouds });
  report.plan = result;
  for (const decision of result.decisions)
    deps.log.info({ decision: decision.kind, cloud: decision.cloud }, decision.reason);

  // 3. Retire. A worker HTCondor would not drain stays as it was, to be tried next cycle.
  const newPools = structuredClone(result.pools);
  report.pools = newPools;
  for (const action of result.retire) {
    try {
      if (action.method === "drain")
        await deps.condor.drain(action.machine, `cloudscheduler: ${action.reason}`);
      else await deps.condor.peacefulOff(action.machine);
      report.retired.push(action);
    } catch (err) {
      report.retireFailures.push({ worker: action.worker, error: messageOf(err) });
      deps.log.warn(
        { worker: action.worker, err: messageOf(err) },
        "retire failed; the worker stays as it was",
      );
      const before = pools[action.cloud]?.find((w) => w.name === action.worker);
      const list = newPools[action.cloud];
      if (before && list)
        newPools[action.cloud] = list.map((w) => (w.name === action.worker ? before : w));
    }
  }

  // 4. Commit the desired state before acting on it, with a message that says why.
  const changed = await deps.pools.writeChanged(newPools);
  if (changed.length > 0) {
    report.commit = await deps.pools.commit(changed, commitMessage(changed, result.summary));
  }

  // 5. Deploy every cloud whose stack differs from its pool, one at a time per stack.
  for (const cloud of Object.keys(newPools).sort()) {
    const workersOfCloud = newPools[cloud] ?? [];
    const cloudConfig = config.clouds[cloud] ?? memory.cloudConfigs.get(cloud);
    const fingerprint = JSON.stringify(workersOfCloud);
    if (memory.deployed.get(cloud) === fingerprint) continue;
    if (!cloudConfig) {
      report.deploys.push({
        cloud,
        ok: false,
        errorKind: "config",
        error: `cloud '${cloud}' has a pool but no config: re-add it with enabled: false so its workers can be retired`,
      });
      continue;
    }
    if (!deps.backoff.isAvailable(cloud, now)) continue;
    const emptyAndGone =
      workersOfCloud.length === 0 && (!config.clouds[cloud] || !cloudConfig.enabled);
    try {
      if (emptyAndGone) {
        await deps.deployer.destroy(cloud);
        await deps.pools.remove(cloud);
        report.destroyed.push(cloud);
        memory.deployed.delete(cloud);
      } else {
        const up = await deps.deployer.up({
          cloudName: cloud,
          cloud: cloudConfig,
          config,
          workers: workersOfCloud,
        });
        memory.deployed.set(cloud, fingerprint);
        report.deploys.push({ cloud, ok: true, changes: up.changes });
      }
      deps.backoff.recordSuccess(cloud);
    } catch (err) {
      const classified = classifyDeployError(err, cloud);
      if (
        classified.kind === "pulumi-not-installed" ||
        classified.kind === "secrets" ||
        // No IDTOKEN for new workers (identity/): the signing key, not the cloud (issue 17).
        classified.kind === "identity"
      ) {
        // Not this cloud's fault: every cloud would fail the same way. Say so once, back off none.
        report.deploys.push({
          cloud,
          ok: false,
          errorKind: classified.kind,
          error: classified.message,
        });
        report.error = `deploy stopped for every cloud: ${classified.message}`;
        deps.log.error({ kind: classified.kind }, report.error);
        break;
      }
      const state = deps.backoff.recordFailure(cloud, now, {
        message: classified.message,
        kind: classified.kind,
      });
      const outcome: DeployOutcome = {
        cloud,
        ok: false,
        errorKind: classified.kind,
        error: classified.message,
      };
      // Workers planned this cycle that the cloud refused go back to the plan next cycle.
      const fresh = workersOfCloud.filter((w) => w.state === "booting" && w.createdAt === now);
      if (fresh.length > 0) {
        outcome.undone = fresh.map((w) => w.name);
        const kept = workersOfCloud.filter((w) => !fresh.includes(w));
        newPools[cloud] = kept;
        const undo = await deps.pools.writeChanged({ [cloud]: kept });
        if (undo.length > 0) {
          await deps.pools.commit(
            undo,
            `${cloud}: undo ${fresh.length} new worker(s): ${classified.kind}, backing off until ${state.until}`,
          );
        }
        if (classified.kind === "quota-exceeded") {
          // Pulumi creates one by one and stops at the refusal, before any delete: the workers
          // created before it exist without being wanted. An up with only the kept workers has
          // nothing to create, so it can delete them now instead of behind the next refusal.
          try {
            await deps.deployer.up({ cloudName: cloud, cloud: cloudConfig, config, workers: kept });
            memory.deployed.set(cloud, JSON.stringify(kept));
            outcome.cleanedUp = true;
          } catch (cleanupErr) {
            deps.log.warn(
              { cloud, err: messageOf(cleanupErr) },
              "cleanup after a quota refusal failed; retried next cycle",
            );
          }
        }
      }
      report.deploys.push(outcome);
      deps.log.error({ cloud, kind: classified.kind, until: state.until }, classified.message);
    }
  }
  if (report.destroyed.length > 0) {
    report.commit =
      (await deps.pools.commit(
        report.destroyed.map((c) => deps.pools.gitPath(c)),
        `remove pool of ${report.destroyed.join(", ")}: cloud removed and emptied`,
      )) ?? report.commit;
  }
  return report;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
