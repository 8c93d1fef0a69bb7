// Which installation of cloudscheduler booted a server. Two schedulers sharing one OpenStack
// project must never delete each other's workers, so every worker server carries its
// installation's owner tag, and the orphan sweep only ever touches servers with ours.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Overrides the owner tag (e.g. to keep it when the state directory is rebuilt). */
export const OWNER_ENV = "CLOUDSCHEDULER_OWNER";

const OWNER = /^[a-z0-9][a-z0-9-]{2,62}$/;

export class OwnerTagError extends Error {
  override readonly name = "OwnerTagError";
}

/**
 * The owner tag: $CLOUDSCHEDULER_OWNER, else the one kept in <stateDir>/owner, else a new random
 * one written there (so it survives restarts). Not a secret.
 */
export async function resolveOwner(stateDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const fromEnv = env[OWNER_ENV];
  if (fromEnv !== undefined && fromEnv !== "") {
    if (!OWNER.test(fromEnv)) {
      throw new OwnerTagError(
        `${OWNER_ENV}: expected 3-63 lower-case letters, digits and '-', got ${JSON.stringify(fromEnv.slice(0, 80))}`,
      );
    }
    return fromEnv;
  }
  const file = join(stateDir, "owner");
  const kept = (await readFile(file, "utf8").catch(() => "")).trim();
  if (OWNER.test(kept)) return kept;
  const owner = `cs-${randomBytes(6).toString("hex")}`;
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFile(file, `${owner}\n`, { mode: 0o644 });
  return owner;
}
