// Retiring: an idle registered worker past its keep-alive, that no idle job needs, is asked to
// stop matching (condor_drain or condor_off -peaceful) and marked draining; lifecycle.ts removes
// it once a later observation shows it empty. Workers with no future (a removed or disabled
// cloud, a VM type no longer in config, a broken slot, drifted launch settings picked within
// the disruption budget, or past its life: expiration.ts) get no keep-alive. A worker running a
// job is never retired, and one HTCondor refused to retire is not asked again before its hold
// ends.

import type { ObservedWorker } from "../condor/types.js";
import type { Config } from "../config/schema.js";
import { withFields } from "../pool/copy.js";
import type { PoolWorker } from "../pool/types.js";
import type { RetireHold } from "../state/types.js";
import { lifeEndsAt } from "./expiration.js";
import { duration, plural, workerDecision } from "./reasons.js";
import type { Decision, RetireAction } from "./types.js";

/** Keep-alive of a new idle worker: the VM type's, else policy.idle_keep_alive. */
export function baseKeepAlive(config: Config, vmType: string): number {
  const type = Object.hasOwn(config.vm_types, vmType) ? config.vm_types[vmType] : undefined;
  return type?.keep_alive ?? config.policy.idle_keep_alive;
}

/** Why a worker has no future: retired as soon as it is idle, whatever its keep-alive. */
export type Gone = "cloud" | "vm-type" | "unhealthy" | "drifted" | undefined;

export interface RetireCandidate {
  cloud: string;
  worker: PoolWorker;
  seen: ObservedWorker | undefined;
  /** Jobs running on it by either witness (slots, condor_q); default the slots' count. */
  runningJobs?: number;
  /** Idle jobs were counted on this worker: it is needed. */
  needed: boolean;
  gone: Gone;
  /** Words for `gone` (e.g. the broken slot), for the decision. */
  goneDetail?: string;
  /** HTCondor refused to retire it recently. */
  hold?: RetireHold | undefined;
  /** The keep-alive a policy (keep-alive.ts) chose for it this cycle, instead of its own. */
  keepAliveSeconds?: number;
}

export type RetireOutcome =
  | { fate: "keep"; worker: PoolWorker; retire?: RetireAction; decisions: Decision[] }
  | { fate: "remove"; decisions: Decision[] };

const RETIRE_KIND: Record<NonNullable<Gone>, Decision["kind"]> = {
  cloud: "retire-cloud-removed",
  "vm-type": "retire-vm-type-removed",
  unhealthy: "retire-unhealthy",
  drifted: "retire-drifted",
};

const KEPT_BUSY_KIND: Record<NonNullable<Gone>, Decision["kind"]> = {
  cloud: "kept-busy",
  "vm-type": "kept-busy",
  unhealthy: "unhealthy",
  drifted: "drifted",
};

export function decideRetirement(
  candidate: RetireCandidate,
  config: Config,
  now: number,
): RetireOutcome {
  const decisions: Decision[] = [];
  const retires: RetireAction[] = [];
  const worker = retireInto(candidate, config, now, decisions, retires);
  if (worker === undefined) return { fate: "remove", decisions };
  const retire = retires[0];
  return retire === undefined
    ? { fate: "keep", worker, decisions }
    : { fate: "keep", worker, retire, decisions };
}

/**
 * decideRetirement() for the planner's loop over every worker: decisions go onto `decisions`,
 * a retire request onto `retires`; returns the worker to keep (the same object when it does not
 * change) or undefined to remove it.
 */
export function retireInto(
  candidate: RetireCandidate,
  config: Config,
  now: number,
  decisions: Decision[],
  retires: RetireAction[],
): PoolWorker | undefined {
  const { cloud, worker, seen, gone } = candidate;
  const why = gone ? goneText(gone, candidate.goneDetail) : "";

  if (worker.state === "booting") {
    // Not in condor_status yet, so it runs nothing: cancel it before it takes work.
    if (gone === "cloud" || gone === "vm-type") {
      decisions.push(workerDecision(cloud, worker, "cancelled", `booting on ${why}: cancelled`));
      return undefined;
    }
    return worker;
  }
  if (worker.state !== "registered" || !seen) return worker;

  // Past its life (expiration.ts) the worker's own START refuses new jobs: it runs dry, and is
  // retired here once idle, whatever its keep-alive or the idle jobs say.
  const lifeEnds = seen.lifeEndsAt ?? lifeEndsAt(worker, config.policy);
  const expired = !(now < lifeEnds);
  const running = candidate.runningJobs ?? seen.runningJobs;
  if (running > 0) {
    if (gone) {
      decisions.push(
        workerDecision(
          cloud,
          worker,
          KEPT_BUSY_KIND[gone],
          `${why}; kept until its ${plural(running, "job")} finish`,
        ),
      );
    }
    if (expired) {
      decisions.push(
        workerDecision(
          cloud,
          worker,
          "expiring",
          `past its life (ended ${duration(now - lifeEnds)} ago): takes no new job; retired when its ${plural(running, "job")} finish`,
        ),
      );
    }
    return worker;
  }

  const idleSince = worker.idleSince ?? now;
  const idle = Math.max(0, now - idleSince);
  const keepAlive =
    candidate.keepAliveSeconds ??
    Math.max(worker.keepAliveSeconds, baseKeepAlive(config, worker.vmType));
  let kind: Decision["kind"] | undefined;
  let reason = "";
  if (gone) {
    kind = RETIRE_KIND[gone];
    reason = `idle ${gone === "cloud" || gone === "vm-type" ? "on" : "and"} ${why}: retired at once`;
  } else if (expired) {
    kind = "retire-expired";
    reason = `idle past its life (policy.max_worker_life ${duration(config.policy.max_worker_life)}): retired at once`;
  } else if (candidate.needed) {
    decisions.push(
      workerDecision(cloud, worker, "keep-alive", `idle ${duration(idle)}; idle jobs need it`),
    );
    return worker;
  } else if (idle >= keepAlive) {
    kind = "retire-idle";
    reason = `idle ${duration(idle)} (keep-alive ${duration(keepAlive)})`;
  } else {
    decisions.push(
      workerDecision(
        cloud,
        worker,
        "keep-alive",
        `idle ${duration(idle)} of ${duration(keepAlive)} keep-alive`,
        keepAlive,
      ),
    );
    return worker;
  }
  const hold = candidate.hold;
  if (hold && now < hold.until) {
    decisions.push(
      workerDecision(
        cloud,
        worker,
        "retire-refused",
        `${reason}; not asked again for ${duration(hold.until - now)}: ${hold.reason}`,
        hold.until - now,
      ),
    );
    return worker;
  }
  const method = config.policy.retire_with;
  decisions.push(
    workerDecision(
      cloud,
      worker,
      kind,
      `${reason}; ${method === "drain" ? "draining" : "peaceful off"}`,
      keepAlive,
    ),
  );
  retires.push({ cloud, worker: worker.name, machine: retireName(seen, method), method, reason });
  return withFields(worker, { state: "draining", drainStartedAt: now });
}

/**
 * The name a retire command takes, from the worker's own ads (never a guessed short name):
 * condor_drain takes the machine, condor_off -name the startd's daemon name.
 */
export function retireName(seen: ObservedWorker, method: "drain" | "peaceful-off"): string {
  return method === "peaceful-off" ? (seen.daemonName ?? seen.machine) : seen.machine;
}

function goneText(gone: NonNullable<Gone>, detail: string | undefined): string {
  switch (gone) {
    case "cloud":
      return "a cloud removed or disabled in config";
    case "vm-type":
      return "a VM type no longer in config";
    case "unhealthy":
      return `unhealthy (${detail ?? "broken slot"})`;
    case "drifted":
      return `drifted (${detail ?? "launch settings changed"})`;
  }
}
