// "Did the stack change?": a digest of what the pool program would deploy for a cloud: the
// provider and network settings of the cloud, the owner tag, and each worker's name, VM type,
// image and flavor. A worker's lifecycle state, idle time or recorded names are not in it, so
// a change that alters no server runs no `up`. Settings the program ignores on existing servers
// (user-data, network, key pair: ignoreChanges) reach only new workers, which change the list.
import { createHash } from "node:crypto";
import type { CloudConfig } from "../config/schema.js";
import type { PoolWorker } from "../pool/types.js";

/** Bumped when the pool program changes what it declares for the same input. */
export const POOL_PROGRAM_VERSION = "2";

const cloudKeys = new WeakMap<CloudConfig, string>();

export function deployFingerprint(
  cloud: CloudConfig,
  owner: string | undefined,
  workers: readonly PoolWorker[],
): string {
  let key = cloudKeys.get(cloud);
  if (key === undefined) {
    key = JSON.stringify([
      cloud.cloud,
      cloud.auth_url,
      cloud.region,
      cloud.network,
      cloud.key_pair,
    ]);
    cloudKeys.set(cloud, key);
  }
  // A cycle asks again for the same workers nearly every time: comparing the four fields with
  // the last list hashed is far cheaper than hashing them (a long simulation's hottest step).
  const last = lastHashed.get(cloud);
  if (last !== undefined && last.owner === owner && sameDeclared(last.workers, workers))
    return last.digest;
  const hash = createHash("sha1")
    .update(POOL_PROGRAM_VERSION)
    .update(key)
    .update(owner ?? "");
  for (const w of workers) hash.update(`\n${w.name}\t${w.vmType}\t${w.image}\t${w.flavor}`);
  const digest = hash.digest("hex");
  lastHashed.set(cloud, { owner, workers: workers.map(declared), digest });
  return digest;
}

/** What of a worker the digest covers. */
type Declared = Pick<PoolWorker, "name" | "vmType" | "image" | "flavor">;

/** Per cloud config object: the last list hashed and its digest. */
const lastHashed = new WeakMap<
  CloudConfig,
  { owner: string | undefined; workers: Declared[]; digest: string }
>();

function declared(w: PoolWorker): Declared {
  return { name: w.name, vmType: w.vmType, image: w.image, flavor: w.flavor };
}

function sameDeclared(a: readonly Declared[], b: readonly PoolWorker[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as Declared;
    const y = b[i] as PoolWorker;
    if (x.name !== y.name || x.vmType !== y.vmType || x.image !== y.image || x.flavor !== y.flavor)
      return false;
  }
  return true;
}
