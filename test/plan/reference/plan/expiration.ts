// Expiration: a worker lives at most policy.max_worker_life. Its life is bounded because its
// IDTOKEN is: a token that never expires is a credential that outlives the worker. Pure.
//
//   createdAt ──── max_worker_life ────▶ lifeEndsAt ──── drain_timeout ────▶ token expires
//                                        START turns false on the worker (no new job);
//                                        idle → retired at once; busy → kept until idle.
//
// The worker itself stops taking jobs at lifeEndsAt (its START expression, rendered from the
// same function), so an expired worker is never drained with a job on it: it just runs dry.
// It advertises its own deadline (CloudSchedulerLifeEnds), which wins over the one computed
// from today's config, so a later change of max_worker_life never contradicts a worker that
// booted under the old one.
import type { ObservedWorker } from "../../../../scheduler/condor/types.js";
import type { PolicyConfig } from "../../../../scheduler/config/schema.js";
import type { PoolWorker } from "../../../../scheduler/pool/types.js";

type Policy = Pick<PolicyConfig, "max_worker_life" | "drain_timeout">;

/** Unix seconds the worker stops taking new jobs (what its user-data renders into START). */
export function lifeEndsAt(worker: Pick<PoolWorker, "createdAt">, policy: Policy): number {
  // Whole seconds: it goes into the worker's HTCondor config bare (the simulator's clock, unlike
  // the daemon's, has fractions).
  return Math.floor(worker.createdAt) + policy.max_worker_life;
}

/** Unix seconds the worker's IDTOKEN expires: its jobs get drain_timeout to finish. */
export function tokenExpiresAt(worker: Pick<PoolWorker, "createdAt">, policy: Policy): number {
  return lifeEndsAt(worker, policy) + policy.drain_timeout;
}

/** The longest a worker token is valid (how long a revocation must be kept). */
export function longestTokenLifetime(policy: Policy): number {
  return policy.max_worker_life + policy.drain_timeout;
}

export type Expiry =
  | { expired: false; lifeEndsAt: number }
  /** Past its life: `busy` says whether jobs still run (it takes no new one). */
  | { expired: true; lifeEndsAt: number; busy: boolean };

/** Is the worker past its life? Its advertised deadline wins over today's config. */
export function expiry(
  worker: Pick<PoolWorker, "createdAt">,
  seen: Pick<ObservedWorker, "lifeEndsAt" | "runningJobs"> | undefined,
  policy: Policy,
  now: number,
): Expiry {
  const ends = seen?.lifeEndsAt ?? lifeEndsAt(worker, policy);
  if (now < ends) return { expired: false, lifeEndsAt: ends };
  return { expired: true, lifeEndsAt: ends, busy: (seen?.runningJobs ?? 0) > 0 };
}
