// Which pool stack (shard) of a cloud holds each worker. A cloud's workers live in stacks of at
// most `shardSize` workers, so one `pulumi up` never has to walk the whole fleet: shard 0 is the
// stack `pool-<cloud>` (the one stack of a cloud before sharding, so existing stacks are shard 0
// as they are: nothing is moved or recreated), shard n is `pool-<cloud>_<n>` ('_' is never in a
// cloud name). A worker stays in the shard it was created in until it leaves; a new worker goes
// to the lowest shard with room. Pure: the deployer reads the current membership from the
// stacks and deploys only the shards whose workers changed.
import type { PoolWorker } from "../pool/types.js";

export function shardStackName(cloud: string, shard: number): string {
  return shard === 0 ? `pool-${cloud}` : `pool-${cloud}_${shard}`;
}

/** The cloud and shard of a pool stack name; undefined for other stacks. */
export function parseShardStack(stack: string): { cloud: string; shard: number } | undefined {
  const match = /^pool-([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:_([1-9][0-9]*))?$/.exec(stack);
  if (!match?.[1]) return undefined;
  return { cloud: match[1], shard: match[2] === undefined ? 0 : Number(match[2]) };
}

/**
 * The workers of each shard: `current` (worker -> shard, read from the stacks) kept, new
 * workers placed in the lowest shard with fewer than `shardSize` workers. Every shard in
 * `existing` is in the answer, empty if all its workers left (its servers are then deleted).
 */
export function assignShards(
  workers: readonly PoolWorker[],
  current: ReadonlyMap<string, number>,
  existing: readonly number[],
  shardSize: number,
): Map<number, PoolWorker[]> {
  const shards = new Map<number, PoolWorker[]>();
  for (const shard of existing) shards.set(shard, []);
  const fresh: PoolWorker[] = [];
  for (const worker of workers) {
    const shard = current.get(worker.name);
    if (shard === undefined) {
      fresh.push(worker);
      continue;
    }
    const list = shards.get(shard) ?? [];
    list.push(worker);
    shards.set(shard, list);
  }
  let shard = 0;
  for (const worker of fresh) {
    while ((shards.get(shard)?.length ?? 0) >= shardSize) shard++;
    const list = shards.get(shard) ?? [];
    list.push(worker);
    shards.set(shard, list);
  }
  return new Map([...shards].sort(([a], [b]) => a - b));
}
