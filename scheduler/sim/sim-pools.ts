// The pool files kept in memory, for long simulations where a git commit per cycle would
// dominate the run time. Same contract as RepoPoolFiles: only changed pools are "written" (an
// empty pool of a cloud without a file is not), commits are counted and numbered. (The sandbox
// uses RepoPoolFiles on a real git repo.)
import { poolFileGitPath } from "../pool/store.js";
import type { PoolWorker } from "../pool/types.js";
import type { PoolFiles, SavedPools } from "../run/pool-files.js";

export class MemoryPoolFiles implements PoolFiles {
  /** Each cloud's pool as written: frozen copies (JSON round trip) of the saved workers. */
  private readonly parsed = new Map<string, readonly PoolWorker[]>();
  /** Each written worker's JSON text: the pool file is the array of them. */
  private readonly texts = new WeakMap<PoolWorker, string>();
  /** Every commit message, in order. */
  readonly commits: string[] = [];
  /** Keep only the last `keep` messages (a long run makes thousands). */
  constructor(private readonly keep = 1000) {}
  commitCount = 0;

  async readAll(configClouds: string[]): Promise<Record<string, PoolWorker[]>> {
    const clouds = [...new Set([...configClouds, ...this.parsed.keys()])].sort();
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
      if (prior === undefined && workers.length === 0) continue;
      // Worker by worker: a file's text changes exactly when one worker's text does (or the
      // count), and only changed workers are serialised (a whole pool per cycle dominated).
      let changed = prior === undefined || prior.length !== workers.length;
      const next = workers.map((worker, i) => {
        const before = prior?.[i];
        if (before !== undefined && (before === worker || sameWorker(before, worker)))
          return before;
        const text = JSON.stringify(worker);
        if (before !== undefined && this.texts.get(before) === text) return before;
        changed = true;
        // Frozen: a caller that mutated a read pool would change every later read.
        const copy = Object.freeze(JSON.parse(text) as PoolWorker);
        this.texts.set(copy, text);
        return copy;
      });
      if (!changed) continue;
      this.parsed.set(cloud, next);
      paths.push(this.gitPath(cloud));
    }
    if (paths.length === 0) return { paths };
    return { paths, commit: this.record(message(paths)) };
  }

  async remove(clouds: string[], message: string): Promise<string | undefined> {
    const removed = clouds.filter((cloud) => this.parsed.has(cloud));
    for (const cloud of removed) this.parsed.delete(cloud);
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

/** Same fields with the same values, in the same order (what JSON.stringify would find equal). */
function sameWorker(x: PoolWorker, y: PoolWorker): boolean {
  const keys = Object.keys(x);
  const other = Object.keys(y);
  if (keys.length !== other.length) return false;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k] as keyof PoolWorker;
    if (key !== other[k] || x[key] !== y[key]) return false;
  }
  return true;
}
