// One user of the shared local cloud at a time, across vitest workers and the bench: they share
// the alberta project, its security group names and its quota.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const CLOUD_DIR = process.env.CS_CLOUD_DIR ?? "/tmp/cs-cloud";

/**
 * One integration suite at a time on the shared cloud (vitest runs files in parallel): they
 * share the alberta project, its security group names and its quota. A lock dir with the
 * holder's pid; a dead holder's lock is taken over.
 */
export function acquireCloudLock(timeoutMs = 10 * 60_000): Promise<() => void> {
  return acquireDirLock(join(CLOUD_DIR, "integration.lock"), timeoutMs);
}

/**
 * A lock dir holding the holder's pid, for one user at a time of a shared peer across vitest
 * workers and processes; a dead holder's lock is taken over. Resolves to the release function.
 */
export async function acquireDirLock(dir: string, timeoutMs: number): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, "pid"), String(process.pid));
      return () => {
        try {
          rmSync(dir, { recursive: true, force: true });
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (holderDead(dir)) {
        try {
          rmSync(dir, { recursive: true, force: true });
        } catch {
          /* raced with another taker */
        }
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${dir}: held for over ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

function holderDead(dir: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dir, "pid"), "utf8"));
  } catch {
    return false; // being written right now
  }
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}
