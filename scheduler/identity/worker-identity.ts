// A worker's HTCondor identity: "<worker name>@workers.cloudscheduler". The name is the one the
// worker advertises as CloudSchedulerVM (and, through NETWORK_HOSTNAME, as its Machine), so the
// central manager can check that an ad names the worker that sent it (templates/appliances/
// scheduler/condor.conf.hbs, COLLECTOR_REQUIREMENTS). The domain is not the UID_DOMAIN or the
// TRUST_DOMAIN, so no ALLOW_* entry meant for people or daemons (condor@*, *@$(UID_DOMAIN))
// ever covers a worker.

/** The domain of every worker identity (the part after '@' of the token's `sub`). */
export const WORKER_IDENTITY_DOMAIN = "workers.cloudscheduler";

/** What a startd and its master need: advertise themselves, read the pool. Nothing else. */
export const WORKER_AUTHORIZATIONS = ["ADVERTISE_STARTD", "ADVERTISE_MASTER", "READ"] as const;

/** Worker names the plan makes: "cs-<cloud>-<vm type>-<nnnn>" (scheduler/plan/naming.ts). */
const WORKER_NAME = /^cs-[a-z0-9]+(-[a-z0-9]+)*$/;

import { IdentityError } from "./errors.js";

/** A worker name that is not one the scheduler makes; refused before anything is minted. */
export class InvalidWorkerNameError extends IdentityError {
  override readonly name = "InvalidWorkerNameError";
  constructor(readonly worker: string) {
    super(
      `not a worker name: ${JSON.stringify(worker.slice(0, 80))} (expected cs-<cloud>-<vm type>-<number>)`,
    );
  }
}

export function isWorkerName(name: string): boolean {
  return name.length <= 200 && WORKER_NAME.test(name);
}

/** The identity a worker's token carries. */
export function workerIdentity(worker: string): string {
  if (!isWorkerName(worker)) throw new InvalidWorkerNameError(worker);
  return `${worker}@${WORKER_IDENTITY_DOMAIN}`;
}

/**
 * The HTCondor machine name a worker advertises (its NETWORK_HOSTNAME): the worker's name in the
 * identity domain. A dotted name, because HTCondor's tools qualify a bare name with their own
 * DEFAULT_DOMAIN_NAME and then refuse it (`condor_drain cs-x` -> "unknown host cs-x", seen on the
 * real pool): a worker whose Machine were its bare name could never be drained.
 */
export function workerMachine(worker: string): string {
  if (!isWorkerName(worker)) throw new InvalidWorkerNameError(worker);
  return `${worker}.${WORKER_IDENTITY_DOMAIN}`;
}

/** The worker an authenticated identity belongs to, or undefined for any other identity. */
export function workerOfIdentity(identity: string): string | undefined {
  const suffix = `@${WORKER_IDENTITY_DOMAIN}`;
  if (!identity.endsWith(suffix)) return undefined;
  const worker = identity.slice(0, -suffix.length);
  return isWorkerName(worker) ? worker : undefined;
}
