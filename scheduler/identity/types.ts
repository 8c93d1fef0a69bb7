// The narrow interfaces of worker identity: minting a worker's token, and the central manager's
// list of revoked tokens. The real implementations run HTCondor tools (condor-*.ts); tests and
// the simulator pass their own.
import type { Secret } from "../config/secret.js";

export interface TokenRequest {
  /** The worker's stable name (its CloudSchedulerVM). */
  worker: string;
  /** Unix seconds the token must expire at (scheduler/plan/expiration.ts). */
  expiresAt: number;
}

/** A worker's IDTOKEN and what is known about it; only `token` is secret. */
export interface WorkerToken {
  worker: string;
  /** "<worker>@workers.cloudscheduler": what the collector sees as AuthenticatedIdentity. */
  identity: string;
  /** The token's `jti` (HTCondor's token id). */
  tokenId: string;
  /** Unix seconds (the token's `iat` and `exp`). */
  issuedAt: number;
  expiresAt: number;
  token: Secret;
}

export interface TokenIssuer {
  /** Mints a token for one worker. Throws TokenIssueError; never with the token in the message. */
  issue(request: TokenRequest, now: number): Promise<WorkerToken>;
}

/** Every token of `identity` issued at or before `issuedUpTo` (unix seconds) is refused. */
export interface Revocation {
  identity: string;
  issuedUpTo: number;
}

/** The central manager's revocation list (SEC_TOKEN_REVOCATION_EXPR's input). */
export interface RevocationList {
  /** The revocations in force. */
  read(): Promise<Revocation[]>;
  /** Replaces them (and makes the collector use the new list). */
  write(revocations: readonly Revocation[]): Promise<void>;
}

/**
 * Closes the pool to workers that are about to be deleted before they joined: a worker whose
 * startd has not joined yet can be deleted at once only if it can no longer join (and take a
 * job) between the decision and the delete.
 */
export interface JoinFence {
  /**
   * Makes sure none of the named workers can join from now on, then says which of them had
   * joined already (those may run a job: they must not be deleted unseen). Throws when the
   * fence could not be made sure (nothing may be deleted then).
   */
  close(workers: readonly string[], now: number): Promise<ReadonlySet<string>>;
}
