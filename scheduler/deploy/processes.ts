// The few process facts crash recovery needs: is a pid alive, is it a Pulumi engine process,
// and stop a whole process group (the CLI, its language host and its provider plugins).

/** True when a process with this pid exists (it may belong to another user). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
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
