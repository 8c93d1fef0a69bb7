// At most one operation per stack in this process: a per-key async mutex. Pulumi's own stack
// lock covers other processes (its error becomes LockHeldError).

export class StackLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `operation` once every earlier operation on `key` has settled. */
  run<T>(key: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(operation, operation);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    // Drop the entry once idle, so the map does not grow with every stack ever touched.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** True while an operation on `key` is running or queued. */
  isBusy(key: string): boolean {
    return this.tails.has(key);
  }
}
