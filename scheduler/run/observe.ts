// Step 1 of a cycle: read the world. HTCondor's queue and slots and the pool files must all be
// read, or the cycle stops (never plan on a partial world: zero jobs would tear the pool down).
// The clouds' server lists are read at the same time, each with its own timeout; a cloud that
// cannot be read is only unknown this cycle (no worker of it is judged gone, none of its
// servers swept).
import type { CloudServer } from "../cloud/inventory.js";
import type { Job, ObservedWorker } from "../condor/types.js";
import type { CloudConfig, Config } from "../config/schema.js";
import type { PoolWorker } from "../pool/types.js";
import type { CycleDeps } from "./cycle.js";
import type { CycleMemory } from "./memory.js";

export interface World {
  jobs: Job[];
  workers: ObservedWorker[];
  pools: Record<string, PoolWorker[]>;
  /** Per cloud read this cycle: its worker servers. */
  servers: Map<string, CloudServer[]>;
  inventoryErrors: { cloud: string; error: string }[];
}

/** Default limit of one cloud's server listing. */
export const INVENTORY_TIMEOUT_MS = 30_000;

export async function observeWorld(
  deps: CycleDeps,
  memory: CycleMemory,
  config: Config,
): Promise<World> {
  const clouds = Object.keys(config.clouds);
  const [jobs, workers, pools, inventory] = await Promise.all([
    deps.condor.jobs(),
    deps.condor.workers(),
    deps.pools.readAll(clouds),
    readInventory(deps, memory, config),
  ]);
  return { jobs, workers, pools, ...inventory };
}

async function readInventory(
  deps: CycleDeps,
  memory: CycleMemory,
  config: Config,
): Promise<Pick<World, "servers" | "inventoryErrors">> {
  const servers = new Map<string, CloudServer[]>();
  const inventoryErrors: World["inventoryErrors"] = [];
  const inventory = deps.inventory;
  if (!inventory) return { servers, inventoryErrors };
  // Every cloud we know the access of: configured ones and removed ones still remembered.
  const targets = new Map<string, CloudConfig>(memory.cloudConfigs);
  for (const [name, cloud] of Object.entries(config.clouds)) targets.set(name, cloud);
  const timeoutMs = deps.inventoryTimeoutMs ?? INVENTORY_TIMEOUT_MS;
  await Promise.all(
    [...targets].map(async ([name, cloud]) => {
      try {
        servers.set(name, await inventory.listWorkers(name, cloud, AbortSignal.timeout(timeoutMs)));
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        inventoryErrors.push({ cloud: name, error });
        deps.log.warn(
          { cloud: name, err: error },
          "cannot list the cloud's servers; its workers are judged by HTCondor alone this cycle",
        );
      }
    }),
  );
  inventoryErrors.sort((a, b) => (a.cloud < b.cloud ? -1 : 1));
  return { servers, inventoryErrors };
}
