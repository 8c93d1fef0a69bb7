// One lock for every git operation on the config repo's working tree: the watcher's fetch,
// fast-forward and rebase, and the cycle's write-and-commit of pool files, never interleave.
// Not re-entrant on purpose: a locked sequence uses the unlocked operations it is handed
// (ConfigRepo.exclusive), so work it merely starts can never slip past the lock.

export class RepoLock {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` once every earlier task has settled. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
