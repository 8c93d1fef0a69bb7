// Lifecycle from observation: booting -> registered -> (busy | idle) -> draining -> gone, and
// booting -> never registered within the boot timeout -> removed (replaced if demand remains).
// A worker with a running job (by its slots or by condor_q) is never removed here, whatever its
// pool state, the collector or the cloud says. "Gone" needs evidence: the cloud deleted its
// server or put it in ERROR, or it stayed missing from condor_status, with no job in condor_q,
// for policy.lost_grace.

import { isFailedStatus, isGoneStatus } from "../cloud/inventory.js";
import type { ObservedWorker } from "../condor/types.js";
import type { PolicyConfig } from "../config/schema.js";
import { withFields } from "../pool/copy.js";
import type { PoolWorker } from "../pool/types.js";
import type { StateWorker } from "../state/types.js";
import { duration, plural, quote, workerDecision } from "./reasons.js";
import type { Decision } from "./types.js";

export type Observation =
  | { fate: "keep"; worker: PoolWorker; decisions: Decision[] }
  | { fate: "remove"; decisions: Decision[] };

/** How long a retire request may go unseen in condor_status before it counts as lost. */
export function retireConfirmSeconds(policy: PolicyConfig): number {
  return Math.max(2 * policy.cycle, 120);
}

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
  const decisions: Decision[] = [];
  const worker = observeInto(state, policy, now, decisions);
  return worker === undefined ? { fate: "remove", decisions } : { fate: "keep", worker, decisions };
}

/**
 * observe() for the planner's loop over every worker: its decisions go onto `decisions`, and
 * it returns the worker to keep (the entry itself when nothing changed) or undefined to remove
 * it. Nothing is allocated for a worker whose state did not change.
 */
export function observeInto(
  state: StateWorker,
  policy: PolicyConfig,
  now: number,
  decisions: Decision[],
): PoolWorker | undefined {
  const seen = state.ads;
  const running = state.runningJobs;
  const worker = recordNames(state);
  const cloud = state.cloud;

  if (!seen && running > 0) {
    // The collector lost the ad (restart, network) but the schedd still runs jobs there.
    note(
      decisions,
      cloud,
      worker,
      "unobserved-busy",
      `missing from condor_status but condor_q shows ${plural(running, "job")} running on it: kept`,
    );
    return withoutMissing(worker);
  }

  // The cloud's word ends a worker that runs nothing: its server failed, or is gone.
  const server = state.servers === undefined ? "unknown" : serverEvidence(state);
  if (running === 0 && server === "failed") {
    note(
      decisions,
      cloud,
      worker,
      "failed",
      "its server is in ERROR on the cloud; replaced if idle jobs remain",
    );
    return undefined;
  }
  // Ads outlive their server in the collector (until they expire): the cloud's word wins, once
  // two listings agree (one listing can omit a live server, and removing a worker from its pool
  // deletes its server without a drain).
  if (running === 0 && server === "missing" && worker.state !== "booting") {
    const since = state.serverMissingSince;
    if (since === undefined || since < now) {
      note(
        decisions,
        cloud,
        worker,
        "server-gone",
        "its server was deleted outside cloudscheduler",
      );
      return undefined;
    }
    note(
      decisions,
      cloud,
      worker,
      "server-unlisted",
      "its server is missing from the cloud's listing: removed if the next listing agrees",
    );
  }
  if (running === 0 && !seen && state.createInterrupted) {
    note(
      decisions,
      cloud,
      worker,
      "create-interrupted",
      "its create was interrupted by a crash; replaced, and its server (if any) swept as an orphan",
    );
    return undefined;
  }

  if (worker.state === "draining") {
    return observeDraining(cloud, worker, seen, running, policy, now, decisions);
  }

  if (!seen) {
    if (worker.state === "booting") {
      if (!(now - worker.createdAt >= policy.boot_timeout)) return worker;
      note(
        decisions,
        cloud,
        worker,
        "never-registered",
        `never registered within ${duration(policy.boot_timeout)}; replaced if idle jobs remain`,
        policy.boot_timeout,
      );
      return undefined;
    }
    if (worker.state === "failed") {
      note(decisions, cloud, worker, "failed", "reported failed");
      return undefined;
    }
    // Missing from condor_status, no job in condor_q, its server still there (or the cloud not
    // read): a collector restart looks exactly like this, so wait before calling it gone.
    const since = worker.missingSince ?? now;
    const missing = now - since;
    if (missing >= policy.lost_grace) {
      note(
        decisions,
        cloud,
        worker,
        "vanished",
        `missing from condor_status for ${duration(missing)} with no job in condor_q`,
        policy.lost_grace,
      );
      return undefined;
    }
    note(
      decisions,
      cloud,
      worker,
      "unobserved",
      `missing from condor_status for ${duration(missing)}, no job in condor_q; kept up to ${duration(policy.lost_grace)} (collector restart?)`,
      policy.lost_grace,
    );
    return worker.missingSince === since ? worker : withFields(worker, { missingSince: since });
  }

  const busy = running > 0;
  if (worker.state === "failed" && !busy) {
    note(decisions, cloud, worker, "failed", "reported failed");
    return undefined;
  }

  const present = withoutMissing(worker);
  const registered = withIdleSince(
    present.state === "registered" ? present : { ...present, state: "registered" },
    busy ? undefined : worker.state === "registered" ? (worker.idleSince ?? now) : now,
  );
  if (seen.draining && !busy) {
    // Drained by someone else (an admin's condor_drain): ours to remove once empty.
    note(decisions, cloud, worker, "drained", "drained outside cloudscheduler and empty");
    return undefined;
  }
  if (worker.state === "booting")
    note(decisions, cloud, worker, "registered", `registered as ${quote(seen.machine)}`);
  if (worker.state === "failed") {
    note(
      decisions,
      cloud,
      worker,
      "registered",
      `reported failed but runs ${plural(running, "job")}: kept`,
    );
  }
  if (seen.draining) {
    note(
      decisions,
      cloud,
      worker,
      "drained-externally",
      "HTCondor already drains it; waiting for its jobs to finish",
    );
    return withFields(registered, { state: "draining", drainStartedAt: now });
  }
  return registered;
}

function note(
  decisions: Decision[],
  cloud: string,
  worker: PoolWorker,
  kind: Decision["kind"],
  reason: string,
  seconds?: number,
): void {
  decisions.push(workerDecision(cloud, worker, kind, reason, seconds));
}

function observeDraining(
  cloud: string,
  worker: PoolWorker,
  seen: ObservedWorker | undefined,
  running: number,
  policy: PolicyConfig,
  now: number,
  decisions: Decision[],
): PoolWorker | undefined {
  if (!seen) {
    note(decisions, cloud, worker, "drained", "drained: gone from condor_status");
    return undefined;
  }
  const busy = running > 0;
  if (!busy && seen.draining) {
    note(decisions, cloud, worker, "drained", "drained: empty");
    return undefined;
  }

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
    note(
      decisions,
      cloud,
      worker,
      "retire-unconfirmed",
      `still not draining ${duration(now - since)} after the retire request: back in service`,
    );
    return { ...rest, state: "registered" };
  }
  if (now - since >= policy.drain_timeout) {
    note(
      decisions,
      cloud,
      worker,
      "stuck-draining",
      `stuck draining for ${duration(now - since)} (drain_timeout ${duration(policy.drain_timeout)}) with ${plural(running, "running job")}; not removed`,
    );
    return next;
  }
  if (busy) {
    note(decisions, cloud, worker, "draining", `draining; ${plural(running, "job")} still running`);
  }
  return next;
}

/**
 * The entry with what HTCondor calls it (recorded once seen, so condor_q still finds it when
 * the collector loses its ads) and, for an entry from before launch digests, today's digest.
 */
function recordNames(state: StateWorker): PoolWorker {
  const entry = state.entry;
  const machine = state.ads?.machine;
  const newMachine = machine !== undefined && machine !== "" && entry.machine !== machine;
  const newLaunch = entry.launch === undefined && state.expectedLaunch !== undefined;
  if (newMachine && newLaunch) {
    // One copy: machine, then launch, as two copies one after the other would add them.
    return withFields(entry, { machine, launch: state.expectedLaunch });
  }
  if (newMachine) return withFields(entry, { machine });
  if (newLaunch) return withFields(entry, { launch: state.expectedLaunch });
  return entry;
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
    return worker.idleSince === idleSince ? worker : withFields(worker, { idleSince });
  }
  if (worker.idleSince === undefined) return worker;
  const { idleSince: _old, ...rest } = worker;
  return rest;
}
