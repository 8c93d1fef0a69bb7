// A worker's lifecycle state as an operator says it, and what is wrong with it if anything:
// read off the one model of the worker the cycle planned with (scheduler/state/), so status and
// the plan never disagree about a worker.
import { isFailedStatus } from "../cloud/inventory.js";
import { formatDuration } from "../config/duration.js";
import type { PoolWorker } from "../pool/types.js";
import type { StateWorker } from "../state/types.js";
import type { LifecycleState } from "./schema.js";

export function lifecycleState(worker: PoolWorker, state: StateWorker | undefined): LifecycleState {
  if (worker.state === "failed") return "failed";
  const seen = state?.ads;
  if (worker.state === "draining" || seen?.draining) return "draining";
  const running = state?.runningJobs ?? 0;
  if (!seen) {
    if (running > 0) return "busy";
    return worker.state === "booting" ? "booting" : "registered";
  }
  return running > 0 ? "busy" : "idle";
}

/** The one thing an operator should know about this worker, or undefined when all is well. */
export function workerProblem(
  worker: PoolWorker,
  state: StateWorker | undefined,
  now: number,
): string | undefined {
  if (!state) return undefined;
  const broken = state.brokenSlots[0];
  if (broken)
    return `unhealthy: broken slot ${broken.slot} (SlotBrokenCode ${broken.code}: ${broken.reason})`;
  if (state.servers?.some((s) => isFailedStatus(s.status))) return "its server is in ERROR";
  if (state.servers !== undefined && state.servers.length === 0 && worker.state !== "booting") {
    return "its server is gone from the cloud";
  }
  if (state.servers !== undefined && state.servers.length > 1) {
    return `${state.servers.length} servers carry its name`;
  }
  if (state.retireHold && now < state.retireHold.until) {
    return `retire refused: ${state.retireHold.reason}`;
  }
  if (!state.ads && state.runningJobs > 0)
    return "missing from condor_status; condor_q shows it busy";
  if (!state.ads && worker.missingSince !== undefined) {
    return `missing from condor_status for ${formatDuration(Math.max(0, now - worker.missingSince))}`;
  }
  if (state.drifted) return "drifted: launch settings changed since it booted; replaced when idle";
  return undefined;
}
