// Is a stack lock stale? Pulumi's DIY backends (file://, s3://...) refuse an operation with
// "the stack is currently locked by N lock(s)" and one line per lock: "<url>: created by
// user@host (pid N) at <time>" (pkg/backend/diy/lock.go). A lock whose process ran on this host
// and is gone will never be released: `pulumi cancel` (Stack.cancel()) removes it.
import { hostname } from "node:os";
import { isAlive } from "./processes.js";

export interface LockHolder {
  user: string;
  host: string;
  pid: number;
}

const HOLDER = /created by (\S+)@(\S+) \(pid (\d+)\)/g;

/** The lock holders named in a lock error's text (empty when it names none, e.g. Pulumi Cloud). */
export function parseLockHolders(text: string): LockHolder[] {
  const holders: LockHolder[] = [];
  for (const match of text.matchAll(HOLDER)) {
    holders.push({ user: match[1] ?? "", host: match[2] ?? "", pid: Number(match[3]) });
  }
  return holders;
}

/**
 * True when every holder ran on this host and its process is gone. A holder on another host,
 * or alive here, is a real concurrent operation: never cancelled.
 */
export function isStale(
  holders: readonly LockHolder[],
  here: string = hostname(),
  alive: (pid: number) => boolean = isAlive,
): boolean {
  return holders.length > 0 && holders.every((h) => h.host === here && !alive(h.pid));
}
