// Cancelling boots that turned out unneeded: a worker booted for idle jobs that then started on
// workers that freed up (or left the queue) would boot, sit idle and drain, paid throughout.
// While it is young (policy.cancel_boots.max_age from the boot decision) its startd has not
// joined, so it runs nothing and can be deleted at once. Spares the keep-alive would keep warm
// anyway (keep-alive.ts, break-even) are kept: the oldest booting ones, ready soonest; the
// youngest are cancelled first (they have the most boot still to pay for).
import type { PolicyConfig } from "../config/schema.js";
import type { PoolWorker } from "../pool/types.js";
import { sparesKey } from "./capacity.js";
import { compareText } from "./match.js";

export interface BootingCandidate {
  cloud: string;
  worker: PoolWorker;
  /** Set when the worker has no future anyway (retire.ts cancels those itself). */
  gone?: unknown;
}

/**
 * The names of the booting workers to cancel. `spareBooting`: per cloud and shape, how many
 * booting workers no wanted worker counts on (capacity.ts); `sparesOf(vmType)`: how many spare
 * workers of the type may still be kept warm.
 */
export function surplusBoots(
  candidates: readonly BootingCandidate[],
  spareBooting: ReadonlyMap<string, number>,
  sparesOf: (vmType: string) => number,
  policy: PolicyConfig,
  now: number,
): Set<string> {
  const cancel = new Set<string>();
  const maxAge = policy.cancel_boots.max_age;
  if (maxAge <= 0 || spareBooting.size === 0) return cancel;
  const byKey = new Map<string, PoolWorker[]>();
  for (const { cloud, worker, gone } of candidates) {
    if (worker.state !== "booting" || gone !== undefined) continue;
    const key = sparesKey(cloud, worker);
    if ((spareBooting.get(key) ?? 0) <= 0) continue;
    const list = byKey.get(key) ?? [];
    list.push(worker);
    byKey.set(key, list);
  }
  // Per cloud and shape the youngest are the spare ones; then per VM type the oldest spares
  // stay warm.
  const youngestFirst = (a: PoolWorker, b: PoolWorker) =>
    b.createdAt - a.createdAt || compareText(a.name, b.name);
  const sparesByType = new Map<string, PoolWorker[]>();
  for (const [key, workers] of byKey) {
    workers.sort(youngestFirst);
    const spare = workers.slice(0, spareBooting.get(key) ?? 0);
    const list = sparesByType.get(spare[0]?.vmType ?? "") ?? [];
    list.push(...spare);
    if (spare[0] !== undefined) sparesByType.set(spare[0].vmType, list);
  }
  for (const [vmType, spares] of sparesByType) {
    spares.sort(youngestFirst);
    const warm = Math.max(0, sparesOf(vmType));
    spares.slice(0, Math.max(0, spares.length - warm)).forEach((worker) => {
      if (now - worker.createdAt <= maxAge) cancel.add(worker.name);
    });
  }
  return cancel;
}
