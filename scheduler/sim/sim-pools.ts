// The pool files kept in memory, for long simulations where a git commit per cycle would
// dominate the run time. Same contract as RepoPoolFiles: only changed pools are "written" (an
// empty pool of a cloud without a file is not), commits are counted and numbered. (The sandbox
// uses RepoPoolFiles on a real git repo.)
import { poolFileGitPath } from "../pool/store.js";
import type { PoolWorker } from "../pool/types.js";
import type { PoolFiles, SavedPools } from "../run/pool-files.js";

export class MemoryPoolFiles implements PoolFiles {
  /** Each cloud's pool as written: frozen copies (as a JSON round trip gives) of the saved workers. */
  private readonly parsed = new Map<string, readonly PoolWorker[]>();
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
      // count), and only changed workers are copied (a whole pool per cycle dominated).
      let changed = prior === undefined || prior.length !== workers.length;
      const next = workers.map((worker, i) => {
        const before = prior?.[i];
        if (before !== undefined && (before === worker || sameWorker(before, worker)))
          return before;
        // What reading the written JSON back gives, built without the text: the round trip
        // through JSON.stringify and JSON.parse was most of a replay's pool-file time.
        const copy = jsonCopy(worker);
        if (before !== undefined && sameWorker(before, copy)) return before;
        changed = true;
        // Frozen: a caller that mutated a read pool would change every later read.
        return Object.freeze(copy);
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

/**
 * The worker as JSON.parse(JSON.stringify(worker)) gives it: fields in order, undefined ones
 * left out, a non-finite number as null. A pool worker's fields are all strings and numbers;
 * anything else takes the real round trip.
 */
function jsonCopy(worker: PoolWorker): PoolWorker {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(worker)) {
    const value = (worker as unknown as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (typeof value === "number") out[key] = Number.isFinite(value) ? value : null;
    else if (typeof value === "string" || typeof value === "boolean") out[key] = value;
    else return JSON.parse(JSON.stringify(worker)) as PoolWorker;
  }
  return out as unknown as PoolWorker;
}
