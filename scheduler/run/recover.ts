// Crash recovery without a human: a stack whose last operation died (the scheduler was killed
// during an `up`) is made usable again before anything else touches it: leftover engine
// processes stopped, the dead operation's lock cleared with Pulumi's own cancel, pending
// operations settled against the cloud. Creates the dead `up` left pending are remembered: the
// plan replaces those workers (their servers, if any, are orphans the sweep deletes).
import type { RecoveryReport } from "../deploy/types.js";
import type { CycleDeps, CycleReport } from "./cycle.js";
import type { CycleMemory } from "./memory.js";

/** Recovers every stack a dead process left unfinished; done once per process, first cycle. */
export async function recoverUnfinished(
  deps: CycleDeps,
  memory: CycleMemory,
  report: CycleReport,
): Promise<void> {
  if (memory.recoveryChecked) return;
  let clouds: string[];
  try {
    clouds = await deps.deployer.unfinished();
  } catch (err) {
    deps.log.warn(
      { err: err instanceof Error ? err.message : String(err) },
      "cannot tell which stacks a dead deploy left unfinished; looked for again next cycle",
    );
    return;
  }
  memory.recoveryChecked = true;
  for (const cloud of clouds) await recoverStack(deps, memory, cloud, report);
}

/** Recovers one stack; undefined when recovery itself failed (reported, tried again later). */
export async function recoverStack(
  deps: CycleDeps,
  memory: CycleMemory,
  cloud: string,
  report: CycleReport,
): Promise<RecoveryReport | undefined> {
  try {
    const recovery = await deps.deployer.recover(cloud);
    for (const name of recovery.interruptedCreates) memory.createInterrupted.add(name);
    if (recovery.lockedBy === undefined) memory.deployed.delete(cloud);
    const did = [
      recovery.killedProcesses > 0 ? `stopped ${recovery.killedProcesses} engine process(es)` : "",
      recovery.lockCleared ? "cleared its lock" : "",
      recovery.interruptedCreates.length > 0
        ? `${recovery.interruptedCreates.length} interrupted create(s) to replace: ${recovery.interruptedCreates.join(", ")}`
        : "",
      recovery.pendingCleared > 0 ? `settled ${recovery.pendingCleared} pending operation(s)` : "",
    ].filter((part) => part !== "");
    // Reported when it did something, or found a live lock.
    if (did.length > 0 || recovery.lockedBy !== undefined) report.recoveries.push(recovery);
    if (recovery.lockedBy !== undefined) {
      deps.log.warn(
        { cloud, lockedBy: recovery.lockedBy },
        "the stack is locked by a live operation; not touched",
      );
    } else if (did.length > 0) {
      deps.log.warn({ ...recovery }, `recovered the stack of a dead deploy: ${did.join("; ")}`);
    }
    return recovery;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    report.deploys.push({ cloud, ok: false, errorKind: "recovery", error: message });
    deps.log.error({ cloud, err: message }, "recovering the stack of a dead deploy failed");
    return undefined;
  }
}
