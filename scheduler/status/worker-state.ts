// A worker's lifecycle state as an operator says it: the pool entry's state, refined by what
// HTCondor reports (a registered worker is busy or idle; one HTCondor drains is draining).
import type { ObservedWorker } from "../condor/types.js";
import type { PoolWorker } from "../pool/types.js";
import type { LifecycleState } from "./schema.js";

export function lifecycleState(
  worker: PoolWorker,
  seen: ObservedWorker | undefined,
): LifecycleState {
  if (worker.state === "failed") return "failed";
  if (worker.state === "draining" || seen?.draining) return "draining";
  if (!seen) return worker.state === "booting" ? "booting" : "registered";
  return seen.runningJobs > 0 ? "busy" : "idle";
}
