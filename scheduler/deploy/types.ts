// The narrow interface between the scheduler and Pulumi: one stack per cloud, "pool-<cloud>".
// The real implementation uses the Automation API (automation-deployer.ts); tests and the
// simulator pass their own.
import type { CloudConfig, Config } from "../config/schema.js";
import type { WorkerToken } from "../identity/types.js";
import type { PoolWorker } from "../pool/types.js";

export interface PoolStackInput {
  cloudName: string;
  cloud: CloudConfig;
  config: Config;
  workers: PoolWorker[];
  /**
   * The IDTOKEN of each worker that is not in the stack yet (identity/identity-deployer.ts).
   * Workers already created need none: their user-data is never re-applied (ignoreChanges).
   */
  workerTokens?: ReadonlyMap<string, WorkerToken>;
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
}
