// Per-cloud exponential back-off after failed stack operations, so a broken cloud is retried
// less and less often and the plan sends new workers elsewhere meanwhile. Deterministic: the
// same failures at the same times give the same schedule. Times are Unix seconds, like the pool.
import type { DeployErrorKind } from "./errors.js";

export interface BackoffPolicy {
  /** Wait after the first failure. */
  baseSeconds: number;
  /** Each further consecutive failure multiplies the wait by this. */
  factor: number;
  maxSeconds: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseSeconds: 30, factor: 2, maxSeconds: 30 * 60 };

/** The wait after the n-th consecutive failure (n >= 1): 30 s, 60 s, 120 s … capped at 30 min. */
export function backoffDelay(failures: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  if (failures <= 0) return 0;
  const delay = policy.baseSeconds * policy.factor ** (failures - 1);
  return Math.min(delay, policy.maxSeconds);
}

export interface CloudBackoffState {
  cloud: string;
  /** Consecutive failures since the last success. */
  failures: number;
  /** Unix seconds before which the cloud is avoided. */
  until: number;
  lastErrorKind: DeployErrorKind | undefined;
  lastError: string;
}

/** Tracks the back-off of every cloud; `now` is always passed in, never read from a clock. */
export class BackoffTracker {
  private readonly clouds = new Map<string, CloudBackoffState>();

  constructor(private readonly policy: BackoffPolicy = DEFAULT_BACKOFF) {}

  /** Records a failed operation at `now`; returns the cloud's new state. */
  recordFailure(
    cloud: string,
    now: number,
    error: { message: string; kind?: DeployErrorKind },
  ): CloudBackoffState {
    const failures = (this.clouds.get(cloud)?.failures ?? 0) + 1;
    const state: CloudBackoffState = {
      cloud,
      failures,
      until: now + backoffDelay(failures, this.policy),
      lastErrorKind: error.kind,
      lastError: error.message,
    };
    this.clouds.set(cloud, state);
    return state;
  }

  /** A successful operation ends the cloud's back-off. */
  recordSuccess(cloud: string): void {
    this.clouds.delete(cloud);
  }

  /** Forgets a cloud removed from the config. */
  forget(cloud: string): void {
    this.clouds.delete(cloud);
  }

  isAvailable(cloud: string, now: number): boolean {
    const state = this.clouds.get(cloud);
    return state === undefined || now >= state.until;
  }

  /** Clouds the plan must avoid at `now`, sorted by name. */
  unavailableClouds(now: number): string[] {
    return [...this.clouds.values()]
      .filter((state) => now < state.until)
      .map((state) => state.cloud)
      .sort();
  }

  /** Puts back states saved before a restart (the ones still in back-off or with failures). */
  restore(states: readonly CloudBackoffState[]): void {
    for (const state of states) this.clouds.set(state.cloud, { ...state });
  }

  /** Every cloud with failures, for status output. */
  snapshot(): CloudBackoffState[] {
    return [...this.clouds.values()].sort((a, b) => (a.cloud < b.cloud ? -1 : 1));
  }
}
