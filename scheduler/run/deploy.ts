// Step 5 of a cycle: make every cloud's stack hold its committed pool, one operation per stack.
// A stack is deployed only when what it would deploy changed (fingerprint.ts). A disabled or
// removed cloud whose pool is empty is settled once: stack destroyed, pool file removed, and
// not touched again. Errors are classified and back the cloud off; workers planned this cycle
// that the cloud refused are taken back. A lock left by a dead deploy is recovered here
// (recover.ts) and the cloud's deploy waits for the next cycle, whose plan knows what the dead
// deploy left half-made. Issue 14 replaces this function with background deploys: it is the
// only place the cycle waits on Pulumi.
import type { CloudConfig, Config } from "../config/schema.js";
import { classifyDeployError, LockHeldError } from "../deploy/errors.js";
import type { PoolWorker } from "../pool/types.js";
import type { CycleDeps, CycleReport, DeployOutcome } from "./cycle.js";
import { deployFingerprint } from "./fingerprint.js";
import type { CycleMemory } from "./memory.js";
import { recoverStack } from "./recover.js";

export async function deployPools(
  deps: CycleDeps,
  memory: CycleMemory,
  config: Config,
  pools: Record<string, PoolWorker[]>,
  now: number,
  report: CycleReport,
): Promise<void> {
  const settledNow: string[] = [];
  for (const cloud of Object.keys(pools).sort()) {
    // A worker whose create a dead deploy interrupted and that runs a job lives outside the
    // stack: declaring it would create a second server of its name. It stays in the pool until
    // it is drained; its server is then an orphan the sweep deletes.
    const workers = (pools[cloud] ?? []).filter((w) => !memory.createInterrupted.has(w.name));
    const cloudConfig = config.clouds[cloud] ?? memory.cloudConfigs.get(cloud);
    const gone = !config.clouds[cloud]?.enabled;
    if (workers.length === 0 && gone) {
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
    if (!(workers.length === 0 && gone) && memory.deployed.get(cloud) === fingerprint) continue;
    if (!deps.backoff.isAvailable(cloud, now)) continue;
    try {
      if (workers.length === 0 && gone) {
        await deps.deployer.destroy(cloud);
        memory.deployed.delete(cloud);
        memory.settled.add(cloud);
        settledNow.push(cloud);
      } else {
        const up = await deps.deployer.up(stackInput(deps, cloud, cloudConfig, config, workers));
        memory.deployed.set(cloud, fingerprint);
        report.deploys.push({ cloud, ok: true, changes: up.changes });
      }
      deps.backoff.recordSuccess(cloud);
    } catch (err) {
      const stop = await deployFailed(
        deps,
        memory,
        config,
        cloud,
        cloudConfig,
        workers,
        pools,
        now,
        report,
        err,
      );
      if (stop) break;
    }
  }
  if (settledNow.length > 0) {
    const removed = await deps.pools.remove(
      settledNow,
      `remove pool of ${settledNow.join(", ")}: cloud ${settledNow.every((c) => config.clouds[c]) ? "disabled" : "removed"} and emptied`,
    );
    report.destroyed.push(...settledNow);
    report.commit = removed ?? report.commit;
  }
}

/** Handles a failed stack operation; true when deploying must stop for every cloud. */
async function deployFailed(
  deps: CycleDeps,
  memory: CycleMemory,
  config: Config,
  cloud: string,
  cloudConfig: CloudConfig,
  workers: PoolWorker[],
  pools: Record<string, PoolWorker[]>,
  now: number,
  report: CycleReport,
  err: unknown,
): Promise<boolean> {
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
  // Workers planned this cycle that the cloud refused go back to the plan next cycle.
  const fresh = workers.filter((w) => w.state === "booting" && w.createdAt === now);
  if (fresh.length > 0) {
    outcome.undone = fresh.map((w) => w.name);
    const kept = workers.filter((w) => !fresh.includes(w));
    pools[cloud] = kept;
    const undo = await deps.pools.save(
      { [cloud]: kept },
      () =>
        `${cloud}: undo ${fresh.length} new worker(s): ${classified.kind}, backing off until ${state.until}`,
    );
    if (undo.commit) report.commit = undo.commit;
    if (classified.kind === "quota-exceeded") {
      // Pulumi creates one by one and stops at the refusal, before any delete: the workers
      // created before it exist without being wanted. An up with only the kept workers has
      // nothing to create, so it can delete them now instead of behind the next refusal.
      try {
        await deps.deployer.up(stackInput(deps, cloud, cloudConfig, config, kept));
        memory.deployed.set(cloud, deployFingerprint(cloudConfig, deps.owner, kept));
        outcome.cleanedUp = true;
      } catch (cleanupErr) {
        deps.log.warn(
          { cloud, err: cleanupErr instanceof Error ? cleanupErr.message : String(cleanupErr) },
          "cleanup after a quota refusal failed; retried next cycle",
        );
      }
    }
  }
  report.deploys.push(outcome);
  deps.log.error({ cloud, kind: classified.kind, until: state.until }, classified.message);
  return false;
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
