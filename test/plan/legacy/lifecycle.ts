// Lifecycle from observation: booting -> registered -> (busy | idle) -> draining -> gone, and
// booting -> never registered within the boot timeout -> removed (replaced if demand remains).
// A worker observed running a job is never removed here, whatever its pool state says.

import type { ObservedWorker } from "../../../scheduler/condor/types.js";
import type { PolicyConfig } from "../../../scheduler/config/schema.js";
import type { PoolWorker } from "../../../scheduler/pool/types.js";
import { duration, plural, quote } from "./reasons.js";
import type { Decision } from "./types.js";

export type Observation =
  | { fate: "keep"; worker: PoolWorker; decisions: Decision[] }
  | { fate: "remove"; decisions: Decision[] };

/** How long a retire request may go unseen in condor_status before it counts as lost. */
export function retireConfirmSeconds(policy: PolicyConfig): number {
  return Math.max(2 * policy.cycle, 120);
}

type Note = Omit<Decision, "cloud" | "vmType" | "workers">;
type Keep = (next: PoolWorker, ...decisions: Note[]) => Observation;
type Remove = (kind: Decision["kind"], reason: string, seconds?: number) => Observation;

export function observe(
  cloud: string,
  worker: PoolWorker,
  seen: ObservedWorker | undefined,
  policy: PolicyConfig,
  now: number,
  /** Jobs condor_q says run on this worker: a second witness when condor_status lost it. */
  runningInQueue = 0,
): Observation {
  const about = { cloud, vmType: worker.vmType, workers: [worker.name] };
  const keep: Keep = (next, ...decisions) => ({
    fate: "keep",
    worker: next,
    decisions: decisions.map((d) => ({ ...about, ...d })),
  });
  const remove: Remove = (kind, reason, seconds) => ({
    fate: "remove",
    decisions: [{ ...about, kind, reason, ...(seconds === undefined ? {} : { seconds }) }],
  });

  if (!seen && runningInQueue > 0) {
    // The collector lost the ad (restart, network) but the schedd still runs jobs there.
    return keep(worker, {
      kind: "unobserved-busy",
      reason: `missing from condor_status but condor_q shows ${plural(runningInQueue, "job")} running on it: kept`,
    });
  }
  if (worker.state === "draining") return observeDraining(worker, seen, policy, now, keep, remove);

  if (!seen) {
    if (worker.state === "booting") {
      return now - worker.createdAt >= policy.boot_timeout
        ? remove(
            "never-registered",
            `never registered within ${duration(policy.boot_timeout)}; replaced if idle jobs remain`,
            policy.boot_timeout,
          )
        : keep(worker);
    }
    if (worker.state === "failed") return remove("failed", "reported failed");
    return remove("vanished", "vanished from condor_status without being retired");
  }

  const busy = seen.runningJobs > 0;
  if (worker.state === "failed" && !busy) return remove("failed", "reported failed");

  const registered = withIdleSince(
    { ...worker, state: "registered" },
    busy ? undefined : worker.state === "registered" ? (worker.idleSince ?? now) : now,
  );
  const decisions: Note[] = [];
  if (worker.state === "booting")
    decisions.push({ kind: "registered", reason: `registered as ${quote(seen.machine)}` });
  if (worker.state === "failed") {
    decisions.push({
      kind: "registered",
      reason: `reported failed but runs ${plural(seen.runningJobs, "job")}: kept`,
    });
  }
  if (seen.draining) {
    // Drained by someone else (an admin's condor_drain): ours to remove once empty.
    if (!busy) {
      return {
        fate: "remove",
        decisions: [
          { ...about, kind: "drained", reason: "drained outside cloudscheduler and empty" },
        ],
      };
    }
    decisions.push({
      kind: "drained-externally",
      reason: "HTCondor already drains it; waiting for its jobs to finish",
    });
    return keep({ ...registered, state: "draining", drainStartedAt: now }, ...decisions);
  }
  return keep(registered, ...decisions);
}

function observeDraining(
  worker: PoolWorker,
  seen: ObservedWorker | undefined,
  policy: PolicyConfig,
  now: number,
  keep: Keep,
  remove: Remove,
): Observation {
  if (!seen) return remove("drained", "drained: gone from condor_status");
  const busy = seen.runningJobs > 0;
  if (!busy && seen.draining) return remove("drained", "drained: empty");

  const next: PoolWorker = busy ? withIdleSince(worker, undefined) : worker;
  const since = worker.drainStartedAt ?? worker.createdAt;
  // condor_drain marks the ads at once and an idle startd told to shut down peacefully is gone
  // within seconds; neither seen after two cycles means the request was lost (a failed
  // condor_drain, a cancelled drain). The worker is back in service; retire.ts asks again if
  // it is still idle past its keep-alive. A busy worker shows no sign of condor_off -peaceful.
  const unconfirmed =
    !seen.draining &&
    now - since >= retireConfirmSeconds(policy) &&
    (!busy || policy.retire_with === "drain");
  if (unconfirmed) {
    const { drainStartedAt: _asked, ...rest } = next;
    return keep(
      { ...rest, state: "registered" },
      {
        kind: "retire-unconfirmed",
        reason: `still not draining ${duration(now - since)} after the retire request: back in service`,
      },
    );
  }
  if (now - since >= policy.drain_timeout) {
    return keep(next, {
      kind: "stuck-draining",
      reason: `stuck draining for ${duration(now - since)} (drain_timeout ${duration(policy.drain_timeout)}) with ${plural(seen.runningJobs, "running job")}; not removed`,
    });
  }
  return busy
    ? keep(next, {
        kind: "draining",
        reason: `draining; ${plural(seen.runningJobs, "job")} still running`,
      })
    : keep(next);
}

/** The worker with `idleSince` set, or without the key at all (pool files stay byte-stable). */
function withIdleSince(worker: PoolWorker, idleSince: number | undefined): PoolWorker {
  if (idleSince !== undefined) return { ...worker, idleSince };
  const { idleSince: _old, ...rest } = worker;
  return rest;
}
