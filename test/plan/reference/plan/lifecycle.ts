// Lifecycle from observation: booting -> registered -> (busy | idle) -> draining -> gone, and
// booting -> never registered within the boot timeout -> removed (replaced if demand remains).
// A worker with a running job (by its slots or by condor_q) is never removed here, whatever its
// pool state, the collector or the cloud says. "Gone" needs evidence: the cloud deleted its
// server or put it in ERROR, or it stayed missing from condor_status, with no job in condor_q,
// for policy.lost_grace.

import { isFailedStatus, isGoneStatus } from "../../../../scheduler/cloud/inventory.js";
import type { ObservedWorker } from "../../../../scheduler/condor/types.js";
import type { PolicyConfig } from "../../../../scheduler/config/schema.js";
import type { PoolWorker } from "../../../../scheduler/pool/types.js";
import type { StateWorker } from "../../../../scheduler/state/types.js";
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

/** What the cloud says of a worker's server this cycle. */
export type ServerEvidence = "unknown" | "present" | "missing" | "failed";

export function serverEvidence(worker: StateWorker): ServerEvidence {
  if (worker.servers === undefined) return "unknown";
  let present = false;
  let failed = false;
  for (const server of worker.servers) {
    if (isGoneStatus(server.status)) continue;
    present = true;
    if (isFailedStatus(server.status)) failed = true;
    else return "present";
  }
  return failed ? "failed" : present ? "present" : "missing";
}

export function observe(state: StateWorker, policy: PolicyConfig, now: number): Observation {
  const seen = state.ads;
  const running = state.runningJobs;
  const worker = recordNames(state);
  const about = { cloud: state.cloud, vmType: worker.vmType, workers: [worker.name] };
  const keep: Keep = (next, ...decisions) => ({
    fate: "keep",
    worker: next,
    decisions: decisions.map((d) => ({ ...about, ...d })),
  });
  const remove: Remove = (kind, reason, seconds) => ({
    fate: "remove",
    decisions: [{ ...about, kind, reason, ...(seconds === undefined ? {} : { seconds }) }],
  });

  if (!seen && running > 0) {
    // The collector lost the ad (restart, network) but the schedd still runs jobs there.
    return keep(withoutMissing(worker), {
      kind: "unobserved-busy",
      reason: `missing from condor_status but condor_q shows ${plural(running, "job")} running on it: kept`,
    });
  }

  // The cloud's word ends a worker that runs nothing: its server failed, or is gone.
  const server = serverEvidence(state);
  if (running === 0 && server === "failed") {
    return remove("failed", "its server is in ERROR on the cloud; replaced if idle jobs remain");
  }
  // Ads outlive their server in the collector (until they expire): the cloud's word wins.
  if (running === 0 && server === "missing" && worker.state !== "booting") {
    return remove("server-gone", "its server was deleted outside cloudscheduler");
  }
  if (running === 0 && !seen && state.createInterrupted) {
    return remove(
      "create-interrupted",
      "its create was interrupted by a crash; replaced, and its server (if any) swept as an orphan",
    );
  }

  if (worker.state === "draining")
    return observeDraining(worker, seen, running, policy, now, keep, remove);

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
    // Missing from condor_status, no job in condor_q, its server still there (or the cloud not
    // read): a collector restart looks exactly like this, so wait before calling it gone.
    const since = worker.missingSince ?? now;
    const missing = now - since;
    if (missing >= policy.lost_grace) {
      return remove(
        "vanished",
        `missing from condor_status for ${duration(missing)} with no job in condor_q`,
        policy.lost_grace,
      );
    }
    return keep(
      { ...worker, missingSince: since },
      {
        kind: "unobserved",
        reason: `missing from condor_status for ${duration(missing)}, no job in condor_q; kept up to ${duration(policy.lost_grace)} (collector restart?)`,
        seconds: policy.lost_grace,
      },
    );
  }

  const busy = running > 0;
  const present = withoutMissing(worker);
  if (worker.state === "failed" && !busy) return remove("failed", "reported failed");

  const registered = withIdleSince(
    { ...present, state: "registered" },
    busy ? undefined : worker.state === "registered" ? (worker.idleSince ?? now) : now,
  );
  const decisions: Note[] = [];
  if (worker.state === "booting")
    decisions.push({ kind: "registered", reason: `registered as ${quote(seen.machine)}` });
  if (worker.state === "failed") {
    decisions.push({
      kind: "registered",
      reason: `reported failed but runs ${plural(running, "job")}: kept`,
    });
  }
  if (seen.draining) {
    // Drained by someone else (an admin's condor_drain): ours to remove once empty.
    if (!busy) {
      return remove("drained", "drained outside cloudscheduler and empty");
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
  running: number,
  policy: PolicyConfig,
  now: number,
  keep: Keep,
  remove: Remove,
): Observation {
  if (!seen) return remove("drained", "drained: gone from condor_status");
  const busy = running > 0;
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
      reason: `stuck draining for ${duration(now - since)} (drain_timeout ${duration(policy.drain_timeout)}) with ${plural(running, "running job")}; not removed`,
    });
  }
  return busy
    ? keep(next, {
        kind: "draining",
        reason: `draining; ${plural(running, "job")} still running`,
      })
    : keep(next);
}

/**
 * The entry with what HTCondor calls it (recorded once seen, so condor_q still finds it when
 * the collector loses its ads) and, for an entry from before launch digests, today's digest.
 */
function recordNames(state: StateWorker): PoolWorker {
  let worker = state.entry;
  const machine = state.ads?.machine;
  if (machine !== undefined && machine !== "" && worker.machine !== machine) {
    worker = { ...worker, machine };
  }
  if (worker.launch === undefined && state.expectedLaunch !== undefined) {
    worker = { ...worker, launch: state.expectedLaunch };
  }
  return worker;
}

/** The worker without `missingSince` (seen again, or busy by condor_q's word). */
function withoutMissing(worker: PoolWorker): PoolWorker {
  if (worker.missingSince === undefined) return worker;
  const { missingSince: _gone, ...rest } = worker;
  return rest;
}

/** The worker with `idleSince` set, or without the key at all (pool files stay byte-stable). */
function withIdleSince(worker: PoolWorker, idleSince: number | undefined): PoolWorker {
  if (idleSince !== undefined) {
    return worker.idleSince === idleSince ? worker : { ...worker, idleSince };
  }
  if (worker.idleSince === undefined) return worker;
  const { idleSince: _old, ...rest } = worker;
  return rest;
}
