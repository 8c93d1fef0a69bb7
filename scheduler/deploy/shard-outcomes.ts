// One cloud's deploy result from the outcomes of its shards' `up`s. Shards are separate stacks:
// a shard that failed on its own account (the cloud refused or dropped its requests, its program
// failed, it timed out) does not undo the shards that stood. Their workers exist and are kept:
// taking back every new worker of the cycle, as a whole-cloud failure does, would leave new
// servers of the shards that stood out of the pool, to be deleted later, perhaps running a job.
import type { PoolWorker } from "../pool/types.js";
import { classifyDeployError, type DeployErrorKind } from "./errors.js";
import type { RefusedWorker } from "./resource-events.js";
import { shardStackName } from "./shards.js";
import type { DeployResult } from "./types.js";

export type ShardOutcome =
  | { shard: number; workers: readonly PoolWorker[]; result: DeployResult }
  | { shard: number; workers: readonly PoolWorker[]; error: unknown };

/** What the shards came to, when they can be settled shard by shard. */
export interface SettledShards {
  /** The results of the shards that stood. */
  stood: DeployResult[];
  /** The failed shards' new workers, refused with their shard's error: the caller takes them back. */
  refused: RefusedWorker[];
  /** The failed shards' workers they held before: left as they were. */
  kept: string[];
}

/**
 * Errors that are not one shard's: every shard would fail alike (no CLI, secrets, the worker
 * identity), or the caller has its own path for them (a lock: recovery).
 */
const NOT_ONE_SHARDS: ReadonlySet<DeployErrorKind> = new Set([
  "pulumi-not-installed",
  "secrets",
  "identity",
  "lock-held",
]);

const MAX_MESSAGE = 400;

/**
 * Settles the shards' outcomes. Throws the first error, as one failed deploy of the whole cloud,
 * when no shard stood, when the deploy was aborted, or when any error is not one shard's.
 * `heldBefore`: which shard held each worker before this deploy (a worker not held by its shard
 * before is new there).
 */
export function settleShards(
  outcomes: readonly ShardOutcome[],
  heldBefore: ReadonlyMap<string, number>,
  cloud: string,
  aborted: boolean,
): SettledShards {
  const stood: DeployResult[] = [];
  const failed: { shard: number; workers: readonly PoolWorker[]; error: unknown }[] = [];
  for (const outcome of outcomes) {
    if ("result" in outcome) stood.push(outcome.result);
    else failed.push(outcome);
  }
  const first = failed[0];
  if (!first) return { stood, refused: [], kept: [] };
  const classified = failed.map((f) => classifyDeployError(f.error, cloud));
  if (aborted || stood.length === 0 || classified.some((e) => NOT_ONE_SHARDS.has(e.kind))) {
    throw first.error;
  }
  const refused: RefusedWorker[] = [];
  const kept: string[] = [];
  failed.forEach(({ shard, workers }, i) => {
    const error = classified[i];
    if (!error) return;
    const message = `${shardStackName(cloud, shard)} failed: ${error.message}`.slice(
      0,
      MAX_MESSAGE,
    );
    for (const worker of workers) {
      if (heldBefore.get(worker.name) === shard) kept.push(worker.name);
      else refused.push({ name: worker.name, op: "create", kind: error.kind, message });
    }
  });
  return { stood, refused, kept };
}
