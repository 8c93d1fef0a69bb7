// The status snapshot on disk (<state dir>/status.json), for `cloudscheduler status` (another
// process) and for a human with `cat`; the only writer is the daemon's status service. Written
// atomically (temp file + rename), never holding secrets.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { scrub } from "../secrets/registry.js";
import { StatusUnavailableError } from "../status/errors.js";
import { type StatusSnapshot, statusSnapshotSchema } from "../status/schema.js";

export function statusFilePath(stateDir: string): string {
  return join(stateDir, "status.json");
}

export async function writeStatusFile(stateDir: string, snapshot: StatusSnapshot): Promise<void> {
  const file = statusFilePath(stateDir);
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  // Scrubbed again as a whole: the last guard before a file other users may read.
  await writeFile(temp, `${scrub(JSON.stringify(snapshot, null, 2))}\n`, { mode: 0o644 });
  await rename(temp, file);
}

/** The snapshot, or undefined when there is no file yet; a malformed file throws. */
export async function readStatusFile(stateDir: string): Promise<StatusSnapshot | undefined> {
  const file = statusFilePath(stateDir);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  return parseSnapshot(text, file);
}

/** Parses a snapshot from `where` (a file or URL, for the error message). */
export function parseSnapshot(text: string, where: string): StatusSnapshot {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new StatusUnavailableError(`${where}: not JSON: ${(err as Error).message}`);
  }
  const parsed = statusSnapshotSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StatusUnavailableError(
      `${where}: not a status snapshot this version understands (${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"})`,
    );
  }
  return parsed.data;
}
