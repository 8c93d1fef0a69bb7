// The narrow interface between the scheduler and Pulumi, per cloud (the real deployer keeps a
// cloud's workers in shard stacks "pool-<cloud>", "pool-<cloud>_1", …: shards.ts).
// The real implementation uses the Automation API (automation-deployer.ts); tests and the
// simulator pass their own.
import type { CloudConfig, Config } from "../config/schema.js";
import type { WorkerToken } from "../identity/types.js";
import type { PoolWorker } from "../pool/types.js";
import type { RefusedWorker } from "./resource-events.js";

export interface PoolStackInput {
  cloudName: string;
  cloud: CloudConfig;
  config: Config;
  workers: PoolWorker[];
  /** The installation's owner tag, set on every server (see scheduler/cloud/owner.ts). */
  owner?: string;
  /**
   * The IDTOKEN of each worker that is not in the stack yet (identity/identity-deployer.ts).
   * Workers already created need none: their user-data is never re-applied (ignoreChanges).
   */
  workerTokens?: ReadonlyMap<string, WorkerToken>;
}

/** What recovering a stack after a crashed operation did. */
export interface RecoveryReport {
  cloud: string;
  /** Engine processes (CLI, providers) of the dead operation still running, stopped. */
  killedProcesses: number;
  /** A lock left by a dead operation, cleared with Pulumi's own cancel. */
  lockCleared: boolean;
  /**
   * Workers whose create was pending when the operation died: their servers may exist outside
   * the stack. The cycle replaces them; the orphan sweep deletes such servers.
   */
  interruptedCreates: string[];
  /** Other pending operations (updates, deletes), settled by a refresh. */
  pendingCleared: number;
  /** Set when the lock belongs to a live operation: nothing was touched. */
  lockedBy?: string;
}

/** An instance as the stack's outputs report it. */
export interface DeployedInstance {
  name: string;
  id: string;
  /** Nova status where known (ACTIVE, BUILD, ERROR). */
  status?: string;
  addresses?: string[];
}

export interface DeployResult {
  /** Counts by operation, as Pulumi's summary reports them. */
  changes: { create: number; update: number; delete: number; same: number };
  instances: DeployedInstance[];
  /**
   * Workers the cloud refused while everything else was done (the engine went on past them):
   * the caller takes them back. Absent or empty when every worker stands.
   */
  refused?: RefusedWorker[];
}

export interface PoolDeployer {
  /** Makes the cloud's stack hold exactly `input.workers`. One operation per stack at a time. */
  up(input: PoolStackInput, signal?: AbortSignal): Promise<DeployResult>;
  /** What `up` would change, without changing it. */
  preview(input: PoolStackInput, signal?: AbortSignal): Promise<DeployResult["changes"]>;
  /** The instances the stack holds now (from its outputs; empty when the stack does not exist). */
  instances(cloudName: string): Promise<DeployedInstance[]>;
  /** Deletes every instance of the cloud's stack and the stack itself. */
  destroy(cloudName: string, signal?: AbortSignal): Promise<void>;
  /** Clouds whose last stack operation never finished (its process died during it). */
  unfinished(): Promise<string[]>;
  /**
   * Makes the cloud's stack usable after an operation died: stops its leftover engine
   * processes, clears its lock if the holder is gone, and settles pending operations against the
   * cloud (refresh). A lock held by a live operation is left alone (`lockedBy`).
   */
  recover(cloudName: string, signal?: AbortSignal): Promise<RecoveryReport>;
}
