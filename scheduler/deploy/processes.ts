// The few process facts crash recovery needs: is a pid alive, which processes descend from the
// Pulumi CLI (its plugins may run in process groups of their own), and stopping them.
import { readdirSync, readFileSync } from "node:fs";

/**
 * True when a process with this pid runs (it may belong to another user). A zombie (killed,
 * not yet reaped: in a container whose init does not reap, for good) is not alive.
 */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state === "Z" || state === "X";
  } catch {
    return false; // no /proc: trust kill(0)
  }
}

/** Sends `signal` to every process of the group led by `pgid`; false when none is left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a process group: SIGTERM, then SIGKILL after `graceMs` if its leader still lives.
 * Resolves once the leader is gone (or after the SIGKILL).
 */
export async function stopGroup(pgid: number, graceMs = 10_000): Promise<void> {
  if (!signalGroup(pgid, "SIGTERM")) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pgid)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  signalGroup(pgid, "SIGKILL");
}

/** Every live descendant of `pid` (Linux /proc; empty elsewhere), children before grandchildren. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const found: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    found.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}

/** The command line of a process ("" when gone or unreadable). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    return "";
  }
}

/** Is this pid a Pulumi engine or plugin process (so a reused pid is never killed)? */
export function isPulumiProcess(pid: number): boolean {
  return /pulumi/.test(commandLine(pid));
}
