// The cloud's own view of the workers: one narrow interface (Karpenter's cloudprovider) to list
// this scheduler's worker servers and delete one by id. Read every cycle, it is the evidence
// the planner needs to call a worker failed or gone and to find servers that are in no pool.
import type { CloudConfig } from "../config/schema.js";

/** Metadata every worker server carries (stacks/pool.ts sets it). */
export const WORKER_METADATA = {
  /** "worker" on every worker server cloudscheduler boots. */
  role: "cloudscheduler",
  roleValue: "worker",
  /** The installation that booted it: a scheduler never touches another one's servers. */
  owner: "cloudscheduler_owner",
  cloud: "cloud",
  vmType: "vm_type",
} as const;

/** One server as the cloud reports it. */
export interface CloudServer {
  id: string;
  name: string;
  /** Nova's status: BUILD, ACTIVE, ERROR, SHUTOFF, DELETED... (upper case). */
  status: string;
  metadata: Readonly<Record<string, string>>;
  /** Unix seconds the server was created. */
  createdAt: number;
}

export interface CloudInventory {
  /**
   * Every server of the cloud's project tagged as a cloudscheduler worker (any owner: the
   * caller tells its own apart). Throws when the cloud cannot be asked: never an empty list.
   */
  listWorkers(cloudName: string, cloud: CloudConfig, signal?: AbortSignal): Promise<CloudServer[]>;
  /** Deletes a server by id; one already gone counts as deleted. */
  deleteServer(
    cloudName: string,
    cloud: CloudConfig,
    id: string,
    signal?: AbortSignal,
  ): Promise<void>;
}

/** Is this server one of ours: a worker, tagged with our owner? Untagged legacy ones are not. */
export function isOwnWorker(server: CloudServer, owner: string): boolean {
  return (
    server.metadata[WORKER_METADATA.role] === WORKER_METADATA.roleValue &&
    server.metadata[WORKER_METADATA.owner] === owner
  );
}

/** Statuses after which a server will never run a job again without a human. */
export function isFailedStatus(status: string): boolean {
  return status === "ERROR";
}

/** Statuses of a server that is gone or going. */
export function isGoneStatus(status: string): boolean {
  return status === "DELETED" || status === "SOFT_DELETED";
}
