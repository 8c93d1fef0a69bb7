// Step 4 of a cycle: record the desired pools in git before acting on them, with a message
// built from what actually happened (retires HTCondor refused are not claimed). A failed commit
// stops the cycle before any deploy: nothing is deployed that is not committed.
import { summarize } from "../plan/describe.js";
import type { Decision } from "../plan/types.js";
import type { PoolWorker } from "../pool/types.js";
import { commitMessage } from "./commit-message.js";
import type { CycleDeps } from "./cycle.js";

export async function commitPools(
  deps: CycleDeps,
  before: Readonly<Record<string, readonly PoolWorker[]>>,
  after: Record<string, PoolWorker[]>,
  decisions: readonly Decision[],
): Promise<string | undefined> {
  const summary = summarize(before, after, decisions);
  const saved = await deps.pools.save(after, (paths) => commitMessage(paths, summary));
  return saved.commit;
}
