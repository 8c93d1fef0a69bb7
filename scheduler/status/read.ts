// Where `cloudscheduler status` gets a snapshot: the daemon's status file, or its JSON API.
import { parseSnapshot, readStatusFile, statusFilePath } from "../run/status-file.js";
import { StatusUnavailableError } from "./errors.js";
import type { StatusSnapshot } from "./schema.js";

export type SnapshotSource = () => Promise<StatusSnapshot>;

export function fileSource(stateDir: string): SnapshotSource {
  return async () => {
    const snapshot = await readStatusFile(stateDir);
    if (!snapshot) {
      throw new StatusUnavailableError(
        `no status yet: ${statusFilePath(stateDir)} does not exist (is \`cloudscheduler run\` running with this state dir? or use --url)`,
      );
    }
    return snapshot;
  };
}

export function urlSource(
  base: string,
  fetchImpl: typeof fetch = fetch,
  timeoutMs = 5000,
): SnapshotSource {
  const url = new URL("/api/status", base).toString();
  return async () => {
    let response: Response;
    try {
      response = await fetchImpl(url, {
        signal: AbortSignal.timeout(timeoutMs),
        headers: { accept: "application/json" },
      });
    } catch (err) {
      throw new StatusUnavailableError(
        `cannot reach ${url}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (!response.ok) throw new StatusUnavailableError(`${url}: HTTP ${response.status}`);
    return parseSnapshot(await response.text(), url);
  };
}
