// The pool files kept in memory, for long simulations where a git commit per cycle would
// dominate the run time. Same contract as RepoPoolFiles: only changed pools are "written" (an
// empty pool of a cloud without a file is not), commits are counted and numbered. (The sandbox
// uses RepoPoolFiles on a real git repo.)
import { poolFileGitPath } from "../pool/store.js";
import type { PoolWorker } from "../pool/types.js";
import type { PoolFiles, SavedPools } from "../run/pool-files.js";

export class MemoryPoolFiles implements PoolFiles {
  private readonly pools = new Map<string, string>();
  /** The parsed form of each text, so a read does not parse again (callers never mutate it). */
  private readonly parsed = new Map<string, PoolWorker[]>();
  /** Every commit message, in order. */
  readonly commits: string[] = [];
  /** Keep only the last `keep` messages (a long run makes thousands). */
  constructor(private readonly keep = 1000) {}
  commitCount = 0;

  async readAll(configClouds: string[]): Promise<Record<string, PoolWorker[]>> {
    const clouds = [...new Set([...configClouds, ...this.pools.keys()])].sort();
    const out: Record<string, PoolWorker[]> = {};
    for (const cloud of clouds) {
      out[cloud] = [...(this.parsed.get(cloud) ?? [])];
    }
    return out;
  }

  async save(
    pools: Record<string, PoolWorker[]>,
    message: (paths: string[]) => string,
  ): Promise<SavedPools> {
    const paths: string[] = [];
    for (const [cloud, workers] of Object.entries(pools).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const prior = this.parsed.get(cloud);
      // Field by field first: stringifying every pool every cycle dominated long replays.
      if (prior && sameWorkers(prior, workers)) continue;
      const text = JSON.stringify(workers);
      if (this.pools.get(cloud) === text) continue;
      if (!this.pools.has(cloud) && workers.length === 0) continue;
      this.pools.set(cloud, text);
      // Frozen: a caller that mutated a read pool would change every later read.
      this.parsed.set(
        cloud,
        (JSON.parse(text) as PoolWorker[]).map((w) => Object.freeze(w)),
      );
      paths.push(this.gitPath(cloud));
    }
    if (paths.length === 0) return { paths };
    return { paths, commit: this.record(message(paths)) };
  }

  async remove(clouds: string[], message: string): Promise<string | undefined> {
    const removed = clouds.filter((cloud) => this.pools.has(cloud));
    for (const cloud of removed) {
      this.pools.delete(cloud);
      this.parsed.delete(cloud);
    }
    return removed.length === 0 ? undefined : this.record(message);
  }

  gitPath(cloud: string): string {
    return poolFileGitPath(cloud);
  }

  private record(message: string): string {
    this.commitCount++;
    this.commits.push(message);
    if (this.commits.length > this.keep) this.commits.splice(0, this.commits.length - this.keep);
    return `sim-${this.commitCount}`;
  }
}

/** Same workers, same fields, same order (what JSON.stringify would find equal). */
function sameWorkers(a: readonly PoolWorker[], b: readonly PoolWorker[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as PoolWorker;
    const y = b[i] as PoolWorker;
    if (x === y) continue;
    const keys = Object.keys(x);
    if (keys.length !== Object.keys(y).length) return false;
    for (const key of keys) {
      if (x[key as keyof PoolWorker] !== y[key as keyof PoolWorker]) return false;
    }
  }
  return true;
}
