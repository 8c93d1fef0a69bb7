// The reason vocabulary: every decision kind the planner makes, and the words for it.
// Logs, `status` and commit messages all speak these, so a reader can grep one word.
import { formatDuration } from "../config/duration.js";
import type { PoolWorker } from "../pool/types.js";
import type { Decision } from "./types.js";

export const REASON_KINDS = [
  /** New workers booted for idle jobs. */
  "boot",
  /** Idle jobs that could not get a worker this cycle (quota, boots per cycle, back-off...). */
  "unserved",
  /** Idle jobs no configured cloud or VM type can ever serve. */
  "job-rejected",
  /** A booting worker appeared in condor_status. */
  "registered",
  /** A booting worker did not appear within policy.boot_timeout: removed (replaced if needed). */
  "never-registered",
  /**
   * A registered worker missing from condor_status, with no job in condor_q, for
   * policy.lost_grace: removed (replaced if idle jobs remain).
   */
  "vanished",
  /** A registered worker missing from condor_status with no job in condor_q: kept for a grace period. */
  "unobserved",
  /**
   * A worker whose server the cloud no longer lists (deleted out of band), in two listings in a
   * row (one when no record of earlier listings is kept): removed.
   */
  "server-gone",
  /** A worker whose server one listing lacked: kept until the next listing says. */
  "server-unlisted",
  /** A worker whose server is in ERROR on the cloud (and that runs nothing): removed, replaced. */
  "failed",
  /** A booting worker whose create a crashed deploy interrupted: removed, replaced. */
  "create-interrupted",
  /** An idle worker kept for its keep-alive (or because idle jobs need it). */
  "keep-alive",
  /** An idle worker past its keep-alive: drained first, removed once empty. */
  "retire-idle",
  /** An idle worker on a cloud removed or disabled in config: retired at once. */
  "retire-cloud-removed",
  /** An idle worker of a VM type no longer in config: retired at once. */
  "retire-vm-type-removed",
  /** An idle worker booted with launch settings that changed since: drained, replaced (budget). */
  "retire-drifted",
  /** A drifted worker kept: busy (never disturbed), or the disruption budget is spent. */
  "drifted",
  /** An idle worker with a broken slot (SlotBrokenCode): drained at once, replaced. */
  "retire-unhealthy",
  /** A busy worker with a broken slot: kept until its jobs finish, counted as no capacity. */
  "unhealthy",
  /** HTCondor refused to retire the worker (unknown host, not found, denied): backing off. */
  "retire-refused",
  /** An idle worker past policy.max_worker_life: retired at once (replaced if jobs need it). */
  "retire-expired",
  /** A busy worker past policy.max_worker_life: takes no new job, retired once idle. */
  "expiring",
  /** A startd ad naming a worker but not sent with that worker's identity: ignored. */
  "untrusted-ad",
  /** A pool worker missing from condor_status while condor_q shows jobs running on it: kept. */
  "unobserved-busy",
  /** A worker HTCondor already drains that cloudscheduler did not ask to. */
  "drained-externally",
  /** A draining worker observed empty (or gone): removed from the pool. */
  "drained",
  /** A draining worker HTCondor never showed draining (request lost): back in service. */
  "retire-unconfirmed",
  /** A draining worker still running jobs: kept until they finish. */
  "draining",
  /** A draining worker past policy.drain_timeout: reported, never killed. */
  "stuck-draining",
  /** A busy worker on a removed cloud or of a removed VM type: kept until idle. */
  "kept-busy",
  /** A booting worker on a removed or disabled cloud: cancelled before it takes work. */
  "cancelled",
  /** A booting worker no idle job needs any more (policy.cancel_boots): cancelled before it joins. */
  "cancel-unneeded",
  /** A worker deleted before it joined had joined before its fence closed: kept, retired later. */
  "fence-joined",
  /** The join fence could not be made sure: workers to delete before they joined are kept. */
  "fence-failed",
  /** A startd cloudscheduler did not boot (or already forgot): left alone. */
  "not-ours",
  /** A worker server of ours in no pool: watched; drained if its startd is idle; kept while busy. */
  "orphan",
  /** An orphan server past policy.orphan_grace that runs nothing: deleted. */
  "orphan-deleted",
  /** A removed or disabled cloud whose pool is empty: its stack can be destroyed. */
  "stack-empty",
] as const;

export type ReasonKind = (typeof REASON_KINDS)[number];

const MAX_QUOTED = 60;

/**
 * Untrusted text (job attributes) for a message: JSON-quoted, every character outside printable
 * ASCII escaped (newlines, control and bidi characters), cut to 60 characters.
 */
export function quote(text: string): string {
  const chars = Array.from(text);
  const head = chars.slice(0, MAX_QUOTED).join("");
  const escaped = JSON.stringify(head).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return chars.length > MAX_QUOTED ? `${escaped}... (${chars.length} characters)` : escaped;
}

/**
 * Texts of durations said lately: a plan says thousands a cycle (every idle worker's time and
 * keep-alive), most of them a few hundred values. Bounded: emptied when full.
 */
const said = new Map<number, string>();
const MOST_SAID = 4096;

/** "15m", "1h 30m": durations in reasons (formatDuration, remembered). */
export function duration(seconds: number): string {
  let text = said.get(seconds);
  if (text === undefined) {
    text = formatDuration(seconds);
    if (said.size >= MOST_SAID) said.clear();
    said.set(seconds, text);
  }
  return text;
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** One line for a log or `status`: "alberta: boot 3 demo-vm for 12 idle jobs [boot]". */
export function formatDecision(decision: Decision): string {
  const where = decision.cloud === undefined ? "" : `${decision.cloud}: `;
  const who =
    decision.workers && decision.workers.length > 0 ? ` (${decision.workers.join(", ")})` : "";
  return `${where}${decision.reason}${who} [${decision.kind}]`;
}

/** A decision about one worker: cloud, VM type, the worker, kind, reason (and seconds). */
export function workerDecision(
  cloud: string,
  worker: Pick<PoolWorker, "name" | "vmType">,
  kind: Decision["kind"],
  reason: string,
  seconds?: number,
): Decision {
  const made: Decision = { cloud, vmType: worker.vmType, workers: [worker.name], kind, reason };
  if (seconds !== undefined) made.seconds = seconds;
  return made;
}
