// Typed errors of the pool files and the config repo, for callers that must tell them apart.

/** A pool file that exists but cannot be used. Never read as an empty pool: that would delete VMs. */
export class PoolFileError extends Error {
  override readonly name = "PoolFileError";
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** `git fetch` of the config repo failed (remote down, auth); the local tree keeps running. */
export class RepoFetchError extends Error {
  override readonly name = "RepoFetchError";
  constructor(
    readonly remote: string,
    readonly detail: string,
  ) {
    super(`git fetch ${remote} failed: ${detail}`);
  }
}

/**
 * The remote moved and our local commits could not be put on top of it: they touch more than
 * pool/, the working tree has uncommitted changes, or the rebase conflicted (and was aborted).
 */
export class RepoSyncConflictError extends Error {
  override readonly name = "RepoSyncConflictError";
  constructor(
    readonly reason: "not-pool-only" | "dirty-work-tree" | "rebase-conflict" | "ff-failed",
    readonly detail: string,
  ) {
    super(`config repo sync stopped (${reason}): ${detail}`);
  }
}
