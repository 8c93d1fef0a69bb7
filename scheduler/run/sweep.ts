// Step 6 of a cycle: delete the orphan servers the plan swept (ours, in no pool past
// policy.orphan_grace, running nothing), by id through the cloud's API.
import type { Config } from "../config/schema.js";
import type { ServerDeletion } from "../plan/types.js";
import type { CycleDeps, CycleReport } from "./cycle.js";
import type { CycleMemory } from "./memory.js";
import { orphanKey } from "./memory.js";

export async function deleteOrphans(
  deps: CycleDeps,
  memory: CycleMemory,
  config: Config,
  deletions: readonly ServerDeletion[],
  report: CycleReport,
): Promise<void> {
  const inventory = deps.inventory;
  if (!inventory) return;
  for (const deletion of deletions) {
    const cloud = config.clouds[deletion.cloud] ?? memory.cloudConfigs.get(deletion.cloud);
    if (!cloud) continue;
    try {
      await inventory.deleteServer(deletion.cloud, cloud, deletion.id);
      memory.orphanFirstSeen.delete(orphanKey(deletion.cloud, deletion.id));
      report.deletedServers.push(deletion);
      deps.log.warn(
        { cloud: deletion.cloud, id: deletion.id, server: deletion.name },
        deletion.reason,
      );
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      report.sweepFailures.push({ ...deletion, error });
      deps.log.error(
        { cloud: deletion.cloud, id: deletion.id, err: error },
        "deleting an orphan server failed; tried again next cycle",
      );
    }
  }
}
