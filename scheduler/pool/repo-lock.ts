// One lock for every git operation on the config repo's working tree: the watcher's fetch,
// fast-forward and rebase, and the cycle's write-and-commit of pool files, never interleave.
// Re-entrant within one locked task, so a locked sequence may call locked methods.
import { AsyncLocalStorage } from "node:async_hooks";

export class RepoLock {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly holding = new AsyncLocalStorage<RepoLock>();

  /** Runs `task` once every earlier task has settled; inside a task, runs at once. */
  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.holding.getStore() === this) return task();
    const result = this.tail.then(
      () => this.holding.run(this, task),
      () => this.holding.run(this, task),
    );
    this.tail = result.catch(() => undefined);
    return result;
  }
}
