// Which slot ads the scheduler believes. A slot that names a cloudscheduler worker
// (CloudSchedulerVM) is believed only when the collector authenticated its sender as that very
// worker (AuthenticatedIdentity, which the collector writes into every ad it accepts); an ad
// from a worker identity must name that worker. The central manager refuses such ads already
// (COLLECTOR_REQUIREMENTS); this is the scheduler's own check, for a collector configured
// without it. Pure.
import { isWorkerName, workerIdentity, workerOfIdentity } from "../identity/worker-identity.js";
import type { Slot, StartdAd } from "./types.js";

export interface UntrustedSlot {
  slot: Slot;
  /** Why it was ignored, for the warning ("untrusted-ad"); untrusted text quoted. */
  reason: string;
}

export interface SlotTrust {
  trusted: Slot[];
  untrusted: UntrustedSlot[];
}

export function partitionTrusted(slots: readonly Slot[]): SlotTrust {
  const trusted: Slot[] = [];
  const untrusted: UntrustedSlot[] = [];
  for (const slot of slots) {
    const reason = distrust(slot);
    if (reason === undefined) trusted.push(slot);
    else untrusted.push({ slot, reason });
  }
  return { trusted, untrusted };
}

/** A StartD daemon ad naming a worker is believed only from that worker's own identity. */
export function isTrustedStartd(ad: StartdAd): boolean {
  if (ad.workerName === undefined) return true;
  return (
    isWorkerName(ad.workerName) &&
    ad.authenticatedIdentity !== undefined &&
    ad.authenticatedIdentity === workerIdentity(ad.workerName)
  );
}

/** Why `slot` is not to be believed, or undefined when it is. */
function distrust(slot: Slot): string | undefined {
  const who = slot.authenticatedIdentity;
  const claimed = slot.workerName;
  if (claimed === undefined) {
    const worker = who === undefined ? undefined : workerOfIdentity(who);
    return worker === undefined
      ? undefined
      : `slot ${quote(slot.name)} was sent by worker ${worker} but names no worker`;
  }
  if (!isWorkerName(claimed)) {
    return `slot ${quote(slot.name)} names ${quote(claimed)}, which is not a worker name`;
  }
  if (who === undefined) {
    return `slot ${quote(slot.name)} names worker ${claimed} but its sender was not authenticated`;
  }
  if (who !== workerIdentity(claimed)) {
    return `slot ${quote(slot.name)} names worker ${claimed} but was sent by ${quote(who)}`;
  }
  return undefined;
}

/** Ad text (untrusted) for a message: JSON-quoted, non-ASCII escaped, at most 60 characters. */
function quote(text: string): string {
  return JSON.stringify(text.slice(0, 60)).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
