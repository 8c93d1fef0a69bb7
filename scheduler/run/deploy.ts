// Step 5 of a cycle: make every cloud's stack hold its committed pool, one operation per stack.
// A stack is deployed only when what it would deploy changed (fingerprint.ts). A disabled or
// removed cloud whose pool is empty is settled once: stack destroyed, pool file removed, and
// not touched again. Errors are classified and back the cloud off; workers planned by the cycle
// that started a deploy the cloud refused are taken back. A lock left by a dead deploy is
// recovered here (recover.ts) and the cloud's deploy waits for the next cycle, whose plan knows
// what the dead deploy left half-made.
//
// With a DeployQueue in the deps (the daemon), operations run in the background: this step
// applies what finished since the last cycle, starts what changed on stacks not already in
// flight (a change made meanwhile is deployed by a follow-up operation once the stack is free),
// and returns at once. Without one (simulator, tests, one-shot tools) each operation is awaited,
// one stack after another.
import type { CloudConfig, Config } from "../config/schema.js";
import { classifyDeployError, LockHeldError } from "../deploy/errors.js";
import type { PoolWorker } from "../pool/types.js";
import type { CycleDeps, CycleReport, DeployOutcome } from "./cycle.js";
import {
  DeployQueue,
  type DeployQueueSettings,
  type DeployTask,
  type FinishedDeploy,
} from "./deploy-queue.js";
import { deployFingerprint } from "./fingerprint.js";
import type { CycleMemory } from "./memory.js";
import { recoverStack } from "./recover.js";

/** The queue settings a config asks for (policy.deploy). */
export function deployQueueSettings(config: Config): DeployQueueSettings {
  return {
    concurrency: config.policy.deploy.concurrency,
    timeoutMs: config.policy.deploy.timeout * 1000,
  };
}

export async function deployPools(
  deps: CycleDeps,
  memory: CycleMemory,
  config: Config,
  pools: Record<string, PoolWorker[]>,
  now: number,
  report: CycleReport,
): Promise<void> {
  const queue = deps.deploys;
  const settled: string[] = [];
  if (queue) {
    queue.configure(deployQueueSettings(config));
    const applied = await applyFinished(deps, memory, config, pools, now, report, queue);
    settled.push(...applied.settled);
    if (!applied.stop) {
      for (const task of tasksToStart(deps, memory, config, pools, now, report, queue)) {
        queue.submit(task);
      }
    }
    report.deploysInFlight = queue.inFlight();
  } else {
    const inline = new DeployQueue(deployQueueSettings(config));
    for (const task of tasksToStart(deps, memory, config, pools, now, report, inline)) {
      inline.submit(task);
      let stop = false;
      while (inline.inFlight().length > 0) {
        await inline.idle();
        const applied = await applyFinished(deps, memory, config, pools, now, report, inline);
        settled.push(...applied.settled);
        stop ||= applied.stop;
      }
      if (stop) break;
    }
  }
  if (settled.length > 0) {
    const removed = await deps.pools.remove(
      settled,
      `remove pool of ${settled.join(", ")}: cloud ${settled.every((c) => config.clouds[c]) ? "disabled" : "removed"} and emptied`,
    );
    report.destroyed.push(...settled);
    report.commit = removed ?? report.commit;
  }
}

/** The operations this cycle starts: clouds whose stack would change and is not in flight. */
function tasksToStart(
  deps: CycleDeps,
  memory: CycleMemory,
  config: Config,
  pools: Record<string, PoolWorker[]>,
  now: number,
  report: CycleReport,
  queue: DeployQueue,
): DeployTask[] {
  const tasks: DeployTask[] = [];
  for (const cloud of Object.keys(pools).sort()) {
    // A worker whose create a dead deploy interrupted and that runs a job lives outside the
    // stack: declaring it would create a second server of its name. It stays in the pool until
    // it is drained; its server is then an orphan the sweep deletes.
    const workers = (pools[cloud] ?? []).filter((w) => !memory.createInterrupted.has(w.name));
    const cloudConfig = config.clouds[cloud] ?? memory.cloudConfigs.get(cloud);
    const gone = !config.clouds[cloud]?.enabled;
    const destroy = workers.length === 0 && gone;
    if (destroy) {
      if (memory.settled.has(cloud)) continue;
    } else {
      memory.settled.delete(cloud);
    }
    if (!cloudConfig) {
      report.deploys.push({
        cloud,
        ok: false,
        errorKind: "config",
        error: `cloud '${cloud}' has a pool but no config: re-add it with enabled: false so its workers can be retired`,
      });
      continue;
    }
    const fingerprint = deployFingerprint(cloudConfig, deps.owner, workers);
    if (!destroy && memory.deployed.get(cloud) === fingerprint) continue;
    // In flight: its result is applied next cycle, and a change made meanwhile redeployed then.
    if (queue.busy(stackKey(cloud))) continue;
    if (!deps.backoff.isAvailable(cloud, now)) continue;
    tasks.push(
      destroy
        ? {
            key: stackKey(cloud),
            cloud,
            purpose: "destroy",
            workers: [],
            fresh: [],
            cycleAt: now,
            run: async (signal) => {
              await deps.deployer.destroy(cloud, signal);
              return undefined;
            },
          }
        : upTask(deps, cloud, cloudConfig, config, workers, fingerprint, now, "deploy"),
    );
  }
  return tasks;
}

function upTask(
  deps: CycleDeps,
  cloud: string,
  cloudConfig: CloudConfig,
  config: Config,
  workers: PoolWorker[],
  fingerprint: string,
  now: number,
  purpose: "deploy" | "cleanup",
): DeployTask {
  return {
    key: stackKey(cloud),
    cloud,
    purpose,
    fingerprint,
    workers,
    fresh:
      purpose === "deploy"
        ? workers.filter((w) => w.state === "booting" && w.createdAt === now).map((w) => w.name)
        : [],
    cycleAt: now,
    run: (signal) =>
      deps.deployer.up(stackInput(deps, cloud, cloudConfig, config, workers), signal),
  };
}

/** Applies the operations that ended; `stop` when deploying must stop for every cloud. */
async function applyFinished(
  deps: CycleDeps,
  memory: CycleMemory,
  config: Config,
  pools: Record<string, PoolWorker[]>,
  now: number,
  report: CycleReport,
  queue: DeployQueue,
): Promise<{ stop: boolean; settled: string[] }> {
  let stop = false;
  const settled: string[] = [];
  for (const done of queue.takeFinished()) {
    const { task } = done;
    const cloud = task.cloud;
    if (done.cancelled) {
      // The scheduler is stopping: nothing to blame the cloud for; redeployed after restart.
      report.deploys.push({
        cloud,
        ok: false,
        errorKind: "cancelled",
        error: "cancelled: the scheduler stopped",
      });
      continue;
    }
    if (done.error === undefined) {
      // A cleanup proves nothing about the refusal: the cloud stays backed off.
      if (task.purpose !== "cleanup") deps.backoff.recordSuccess(cloud);
      if (task.purpose === "destroy") {
        memory.deployed.delete(cloud);
        memory.settled.add(cloud);
        settled.push(cloud);
        continue;
      }
      const refused = done.result?.refused ?? [];
      if (refused.length > 0 && task.purpose !== "cleanup") {
        await workersRefused(deps, memory, config, task, pools, now, report, queue, done);
        continue;
      }
      if (task.fingerprint !== undefined) memory.deployed.set(cloud, task.fingerprint);
      const changes = done.result?.changes;
      // The cleanup belongs to the refusal that took workers back (quota, flavor, image).
      const earlier = report.deploys.find((d) => d.cloud === cloud && !d.ok && d.undone);
      if (task.purpose === "cleanup" && earlier) earlier.cleanedUp = true;
      else
        report.deploys.push({
          cloud,
          ok: true,
          ...(changes ? { changes } : {}),
          ...(task.purpose === "cleanup" ? { cleanedUp: true } : {}),
          durationMs: Math.round(done.durationMs),
        });
      continue;
    }
    if (task.purpose === "cleanup") {
      deps.log.warn(
        { cloud, err: done.error instanceof Error ? done.error.message : String(done.error) },
        "cleanup after a quota refusal failed; retried next cycle",
      );
      continue;
    }
    stop ||= await deployFailed(deps, memory, config, task, pools, now, report, queue, done);
  }
  return { stop, settled };
}

/** Handles a failed stack operation; true when deploying must stop for every cloud. */
async function deployFailed(
  deps: CycleDeps,
  memory: CycleMemory,
  config: Config,
  task: DeployTask,
  pools: Record<string, PoolWorker[]>,
  now: number,
  report: CycleReport,
  queue: DeployQueue,
  done: FinishedDeploy,
): Promise<boolean> {
  const cloud = task.cloud;
  const classified = classifyDeployError(done.error, cloud);
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
    return true;
  }
  if (classified instanceof LockHeldError) {
    // A dead deploy's lock is recovered now; a live one's is waited for like any failure.
    const recovery = await recoverStack(deps, memory, cloud, report);
    const recovered =
      recovery !== undefined &&
      recovery.lockedBy === undefined &&
      (recovery.lockCleared ||
        recovery.killedProcesses > 0 ||
        recovery.interruptedCreates.length > 0 ||
        recovery.pendingCleared > 0);
    if (recovered) {
      report.deploys.push({
        cloud,
        ok: false,
        errorKind: classified.kind,
        error: `${classified.message}; the lock was left by a dead deploy and is cleared: deployed next cycle`,
        recovered: true,
      });
      return false;
    }
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
  // Workers planned by the cycle that started it, refused by the cloud, go back to the plan.
  // Pulumi stops at a quota refusal before any delete: the workers created before it exist
  // without being wanted, so a cleanup with only the kept workers deletes them now.
  await takeBack(deps, memory, config, task, new Set(task.fresh), pools, now, report, queue, {
    outcome,
    kind: classified.kind,
    until: state.until,
    cleanup: classified.kind === "quota-exceeded",
  });
  report.deploys.push(outcome);
  deps.log.error({ cloud, kind: classified.kind, until: state.until }, classified.message);
  return false;
}

/**
 * An up that stood except for some workers the cloud refused (per-resource results): those are
 * taken back, the cloud backs off with the refusal's kind, and a cleanup up with the kept
 * workers removes whatever a refused create left in the stack (a server that went to ERROR).
 */
async function workersRefused(
  deps: CycleDeps,
  memory: CycleMemory,
  config: Config,
  task: DeployTask,
  pools: Record<string, PoolWorker[]>,
  now: number,
  report: CycleReport,
  queue: DeployQueue,
  done: FinishedDeploy,
): Promise<void> {
  const cloud = task.cloud;
  const refused = done.result?.refused ?? [];
  const first = refused[0];
  const kind = first?.kind ?? "program";
  const message = `${refused.length} of ${task.workers.length} worker(s) refused by the cloud, the others stand: ${refused
    .slice(0, 3)
    .map((r) => `${r.name} (${r.op}): ${r.message}`)
    .join("; ")}${refused.length > 3 ? "; …" : ""}`;
  const state = deps.backoff.recordFailure(cloud, now, { message, kind });
  const outcome: DeployOutcome = {
    cloud,
    ok: false,
    errorKind: kind,
    error: message,
    ...(done.result?.changes ? { changes: done.result.changes } : {}),
  };
  const names = new Set(refused.filter((r) => r.op !== "delete").map((r) => r.name));
  await takeBack(deps, memory, config, task, names, pools, now, report, queue, {
    outcome,
    kind,
    until: state.until,
    cleanup: true,
  });
  report.deploys.push(outcome);
  deps.log.error({ cloud, kind, until: state.until, refused: refused.length }, message);
}

/** Removes `names` from the cloud's pool (committed), optionally followed by a cleanup up. */
async function takeBack(
  deps: CycleDeps,
  memory: CycleMemory,
  config: Config,
  task: DeployTask,
  names: ReadonlySet<string>,
  pools: Record<string, PoolWorker[]>,
  now: number,
  report: CycleReport,
  queue: DeployQueue,
  how: { outcome: DeployOutcome; kind: string; until: number; cleanup: boolean },
): Promise<void> {
  const cloud = task.cloud;
  const current = pools[cloud] ?? [];
  const undone = current.filter((w) => names.has(w.name));
  if (undone.length === 0) return;
  how.outcome.undone = undone.map((w) => w.name);
  const kept = current.filter((w) => !names.has(w.name));
  pools[cloud] = kept;
  const undo = await deps.pools.save(
    { [cloud]: kept },
    () =>
      `${cloud}: undo ${undone.length} new worker(s): ${how.kind}, backing off until ${how.until}`,
  );
  if (undo.commit) report.commit = undo.commit;
  const cloudConfig = config.clouds[cloud] ?? memory.cloudConfigs.get(cloud);
  if (!how.cleanup || !cloudConfig) return;
  const workers = kept.filter((w) => !memory.createInterrupted.has(w.name));
  queue.submit(
    upTask(
      deps,
      cloud,
      cloudConfig,
      config,
      workers,
      deployFingerprint(cloudConfig, deps.owner, workers),
      now,
      "cleanup",
    ),
  );
}

/** The queue key of a cloud's pool stack. */
function stackKey(cloud: string): string {
  return `pool-${cloud}`;
}

function stackInput(
  deps: CycleDeps,
  cloudName: string,
  cloud: CloudConfig,
  config: Config,
  workers: PoolWorker[],
) {
  return {
    cloudName,
    cloud,
    config,
    workers,
    ...(deps.owner === undefined ? {} : { owner: deps.owner }),
  };
}
