// Unhealthy workers: a slot HTCondor marked broken (SlotBrokenCode) can never run a job again,
// so the worker is not capacity. Idle, it is drained at once and replaced; busy, it keeps its
// jobs until they finish (a running job is never disturbed).
import type { StateWorker } from "../state/types.js";
import { quote } from "./reasons.js";

/** Why the worker cannot be trusted with new jobs, or undefined when it is healthy. */
export function unhealthyReason(state: StateWorker): string | undefined {
  const broken = state.brokenSlots;
  const first = broken[0];
  if (!first) return undefined;
  const more = broken.length > 1 ? ` (and ${broken.length - 1} more)` : "";
  return `broken slot ${quote(first.slot)}: SlotBrokenCode ${first.code}, ${quote(first.reason)}${more}`;
}
