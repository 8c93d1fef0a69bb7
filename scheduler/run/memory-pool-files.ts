// Pool files kept in memory, for tests and long simulations where a git commit per cycle would
// dominate: the same contract as RepoPoolFiles (an unchanged pool is not written, an empty
// pool of a cloud without a file is not created, a failed commit leaves its change to be
// committed by the next save), with every commit recorded.
import { poolFileGitPath } from "../pool/store.js";
import type { PoolWorker } from "../pool/types.js";
import type { PoolFiles, SavedPools } from "./pool-files.js";

export interface RecordedCommit {
  paths: string[];
  message: string;
}

export class MemoryPoolFiles implements PoolFiles {
  /** The pools as written (what a working tree holds); serialised, so no caller shares them. */
  private readonly files = new Map<string, string>();
  /** Clouds written but not committed yet (a commit failed). */
  private readonly uncommitted = new Set<string>();
  /** The last `keep` commits, oldest first. */
  readonly commits: RecordedCommit[] = [];
  commitCount = 0;
  /** The next commit throws this (a full disk, a broken repo). */
  failNextCommit: Error | undefined;

  constructor(
    initial: Record<string, PoolWorker[]> = {},
    private readonly keep = Number.POSITIVE_INFINITY,
  ) {
    for (const [cloud, workers] of Object.entries(initial)) {
      this.files.set(cloud, JSON.stringify(workers));
    }
  }

  /** The pools as written now (a copy). */
  get pools(): Record<string, PoolWorker[]> {
    const out: Record<string, PoolWorker[]> = {};
    for (const [cloud, text] of this.files) out[cloud] = JSON.parse(text) as PoolWorker[];
    return out;
  }

  async readAll(configClouds: string[]): Promise<Record<string, PoolWorker[]>> {
    const clouds = [...new Set([...configClouds, ...this.files.keys()])].sort();
    const out: Record<string, PoolWorker[]> = {};
    for (const cloud of clouds) {
      const text = this.files.get(cloud);
      out[cloud] = text === undefined ? [] : (JSON.parse(text) as PoolWorker[]);
    }
    return out;
  }

  async save(
    pools: Record<string, PoolWorker[]>,
    message: (paths: string[]) => string,
  ): Promise<SavedPools> {
    for (const [cloud, workers] of Object.entries(pools)) {
      const text = JSON.stringify(workers);
      if (this.files.get(cloud) === text) continue;
      if (!this.files.has(cloud) && workers.length === 0) continue;
      this.files.set(cloud, text);
      this.uncommitted.add(cloud);
    }
    const paths = [...this.uncommitted].sort().map((cloud) => this.gitPath(cloud));
    if (paths.length === 0) return { paths };
    const commit = this.record(paths, message(paths));
    this.uncommitted.clear();
    return { paths, commit };
  }

  async remove(clouds: string[], message: string): Promise<string | undefined> {
    const removed = clouds.filter((cloud) => this.files.delete(cloud));
    if (removed.length === 0) return undefined;
    return this.record(
      removed.map((cloud) => this.gitPath(cloud)),
      message,
    );
  }

  gitPath(cloud: string): string {
    return poolFileGitPath(cloud);
  }

  private record(paths: string[], message: string): string {
    const failure = this.failNextCommit;
    if (failure) {
      this.failNextCommit = undefined;
      throw failure;
    }
    this.commitCount++;
    this.commits.push({ paths, message });
    if (this.commits.length > this.keep) this.commits.splice(0, this.commits.length - this.keep);
    return `commit-${this.commitCount}`;
  }
}
