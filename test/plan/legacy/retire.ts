// Retiring: an idle registered worker past its keep-alive, that no idle job needs, is asked to
// stop matching (condor_drain or condor_off -peaceful) and marked draining; lifecycle.ts removes
// it once a later observation shows it empty. Workers of a removed or disabled cloud, or of a VM
// type no longer in config, get no keep-alive. A worker running a job is never retired.

import type { ObservedWorker } from "../../../scheduler/condor/types.js";
import type { Config } from "../../../scheduler/config/schema.js";
import type { PoolWorker } from "../../../scheduler/pool/types.js";
import { duration, plural } from "./reasons.js";
import type { Decision, RetireAction } from "./types.js";

/** Keep-alive of a new idle worker: the VM type's, else policy.idle_keep_alive. */
export function baseKeepAlive(config: Config, vmType: string): number {
  const type = Object.hasOwn(config.vm_types, vmType) ? config.vm_types[vmType] : undefined;
  return type?.keep_alive ?? config.policy.idle_keep_alive;
}

export type Gone = "cloud" | "vm-type" | undefined;

export interface RetireCandidate {
  cloud: string;
  worker: PoolWorker;
  seen: ObservedWorker | undefined;
  /** Idle jobs were counted on this worker: it is needed. */
  needed: boolean;
  /** Why the worker has no future: its cloud or its VM type left the config. */
  gone: Gone;
}

export type RetireOutcome =
  | { fate: "keep"; worker: PoolWorker; retire?: RetireAction; decisions: Decision[] }
  | { fate: "remove"; decisions: Decision[] };

export function decideRetirement(
  candidate: RetireCandidate,
  config: Config,
  now: number,
): RetireOutcome {
  const { cloud, worker, seen, gone } = candidate;
  const about = { cloud, vmType: worker.vmType, workers: [worker.name] };
  const keep = (next: PoolWorker, decisions: Decision[] = [], retire?: RetireAction) =>
    retire
      ? { fate: "keep" as const, worker: next, retire, decisions }
      : { fate: "keep" as const, worker: next, decisions };

  if (worker.state === "booting") {
    // Not in condor_status yet, so it runs nothing: cancel it before it takes work.
    if (gone) {
      return {
        fate: "remove",
        decisions: [
          { ...about, kind: "cancelled", reason: `booting on ${goneText(gone)}: cancelled` },
        ],
      };
    }
    return keep(worker);
  }
  if (worker.state !== "registered" || !seen) return keep(worker);

  if (seen.runningJobs > 0) {
    const decisions: Decision[] = gone
      ? [
          {
            ...about,
            kind: "kept-busy",
            reason: `${goneText(gone)}; kept until its ${plural(seen.runningJobs, "job")} finish`,
          },
        ]
      : [];
    return keep(worker, decisions);
  }

  const idleSince = worker.idleSince ?? now;
  const idle = Math.max(0, now - idleSince);
  const keepAlive = Math.max(worker.keepAliveSeconds, baseKeepAlive(config, worker.vmType));
  let kind: Decision["kind"] | undefined;
  let reason = "";
  if (gone) {
    kind = gone === "cloud" ? "retire-cloud-removed" : "retire-vm-type-removed";
    reason = `idle on ${goneText(gone)}: retired at once`;
  } else if (candidate.needed) {
    return keep(worker, [
      { ...about, kind: "keep-alive", reason: `idle ${duration(idle)}; idle jobs need it` },
    ]);
  } else if (idle >= keepAlive) {
    kind = "retire-idle";
    reason = `idle ${duration(idle)} (keep-alive ${duration(keepAlive)})`;
  } else {
    return keep(worker, [
      {
        ...about,
        kind: "keep-alive",
        reason: `idle ${duration(idle)} of ${duration(keepAlive)} keep-alive`,
        seconds: keepAlive,
      },
    ]);
  }
  const method = config.policy.retire_with;
  return keep(
    { ...worker, state: "draining", drainStartedAt: now },
    [
      {
        ...about,
        kind,
        reason: `${reason}; ${method === "drain" ? "draining" : "peaceful off"}`,
        seconds: keepAlive,
      },
    ],
    { cloud, worker: worker.name, machine: seen.machine, method, reason },
  );
}

function goneText(gone: NonNullable<Gone>): string {
  return gone === "cloud"
    ? "a cloud removed or disabled in config"
    : "a VM type no longer in config";
}
