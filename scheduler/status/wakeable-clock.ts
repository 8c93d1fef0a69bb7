// A Clock whose sleep can be cut short: how POST /api/cycle starts a cycle now without the
// daemon knowing about HTTP. A wake while a cycle runs makes the next sleep return at once.
import type { Clock } from "../run/daemon.js";

export class WakeableClock implements Clock {
  private readonly sleepers = new Set<AbortController>();
  private pending = false;

  constructor(private readonly inner: Clock) {}

  now(): number {
    return this.inner.now();
  }

  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return;
    }
    const local = new AbortController();
    const forward = () => local.abort();
    if (signal.aborted) local.abort();
    else signal.addEventListener("abort", forward, { once: true });
    this.sleepers.add(local);
    try {
      await this.inner.sleep(ms, local.signal);
    } finally {
      this.sleepers.delete(local);
      signal.removeEventListener("abort", forward);
    }
  }

  /** Ends the current sleep, or the next one if the daemon is not sleeping now. */
  wake(): void {
    if (this.sleepers.size === 0) {
      this.pending = true;
      return;
    }
    for (const sleeper of this.sleepers) sleeper.abort();
  }
}
