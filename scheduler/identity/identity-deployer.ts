// Gives every worker its own identity around a PoolDeployer: before an `up`, a worker that is
// not in the stack yet gets a freshly minted IDTOKEN (handed to the pool program, which puts it
// in the worker's secret user-data), and a worker leaving the stack has its tokens revoked on
// the central manager before its server is deleted.
//
// Tokens are minted only for workers the stack does not hold yet and are kept in memory only
// until the stack holds them: a worker's user-data is never re-applied (the pool program
// ignores changes to it), so a created worker never needs its token again, and nothing
// secret is written anywhere by us (Pulumi keeps the user-data encrypted in its state). After a
// restart, only workers still not created get a token again, once.
import { type PolicyConfig, policySchema } from "../config/schema.js";
import type {
  DeployedInstance,
  DeployResult,
  PoolDeployer,
  PoolStackInput,
  RecoveryReport,
} from "../deploy/types.js";
import { longestTokenLifetime, tokenExpiresAt } from "../plan/expiration.js";
import type { PoolWorker } from "../pool/types.js";
import { knownSecrets } from "../secrets/registry.js";
import { sameRevocations, updateRevocations } from "./revocations.js";
import type { Revocation, RevocationList, TokenIssuer, WorkerToken } from "./types.js";
import { isWorkerName, workerIdentity } from "./worker-identity.js";

/** The subset of a pino logger this uses. */
export interface IdentityLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface IdentityDeployerOptions {
  issuer: TokenIssuer;
  revocations: RevocationList;
  /** Unix seconds. */
  now: () => number;
  log: IdentityLogger;
}

/** A minted token is reused (not re-minted) while this much of its life is left. */
const REUSE_MARGIN_SECONDS = 3600;

export class IdentityDeployer implements PoolDeployer {
  /** Per cloud: the instance names its stack holds, as of the last operation we saw. */
  readonly #inStack = new Map<string, Set<string>>();
  /** Tokens minted for workers the stack does not hold yet, by worker name. */
  readonly #minted = new Map<string, { cloud: string; token: WorkerToken }>();
  /** Retirements not yet written to the central manager (identity → retired at). */
  readonly #pending = new Map<string, number>();
  /** The policy of the last up (how long revocations are kept); the defaults until then. */
  #policy: PolicyConfig = policySchema.parse({});

  constructor(
    private readonly inner: PoolDeployer,
    private readonly options: IdentityDeployerOptions,
  ) {}

  async up(input: PoolStackInput, signal?: AbortSignal): Promise<DeployResult> {
    const now = this.options.now();
    const policy = input.config.policy;
    this.#policy = policy;
    const inStack = await this.#instancesOf(input.cloudName);
    const wanted = new Set(input.workers.map((w) => w.name));

    // 1. Workers leaving the stack, and tokens minted for workers no longer wanted: revoked
    //    before the servers go. A failure is logged and retried; it never keeps a server alive.
    for (const name of inStack) if (!wanted.has(name)) this.#retire(name, now);
    for (const [name, { cloud }] of this.#minted) {
      if (cloud === input.cloudName && !wanted.has(name)) {
        this.#retire(name, now);
        this.#drop(name);
      }
    }
    await this.#flushRevocations(policy, now);

    // 2. A token for every worker the stack does not hold yet.
    const tokens = new Map<string, WorkerToken>();
    for (const worker of input.workers) {
      if (inStack.has(worker.name)) continue;
      tokens.set(worker.name, await this.#tokenFor(input.cloudName, worker, policy, now));
    }

    const result = await this.inner.up({ ...input, workerTokens: tokens }, signal);
    this.#remember(input.cloudName, result.instances);
    return result;
  }

  /** A preview mints nothing: it only counts what would change. */
  preview(input: PoolStackInput, signal?: AbortSignal): Promise<DeployResult["changes"]> {
    return this.inner.preview(input, signal);
  }

  async instances(cloudName: string): Promise<DeployedInstance[]> {
    const instances = await this.inner.instances(cloudName);
    this.#remember(cloudName, instances);
    return instances;
  }

  async destroy(cloudName: string, signal?: AbortSignal): Promise<void> {
    const now = this.options.now();
    for (const name of await this.#instancesOf(cloudName)) this.#retire(name, now);
    await this.#flushRevocations(this.#policy, now);
    await this.inner.destroy(cloudName, signal);
    this.#inStack.set(cloudName, new Set());
  }

  /**
   * Revokes the named workers' tokens now, through the same one-at-a-time writer as the deploys
   * (so no deploy's flush writes over these entries). Throws when the central manager did not
   * take them; they stay pending and are written again by the next flush.
   */
  async revokeNow(workers: readonly string[], now: number): Promise<void> {
    for (const name of workers) this.#retire(name, now);
    const run = this.#flushing.then(() => this.#writePending(this.#policy, now));
    this.#flushing = run.catch(() => {});
    await run;
  }

  unfinished(): Promise<string[]> {
    return this.inner.unfinished();
  }

  /** Recovery may drop creates a dead deploy left pending: what the stack holds is asked again. */
  async recover(cloudName: string, signal?: AbortSignal): Promise<RecoveryReport> {
    const report = await this.inner.recover(cloudName, signal);
    this.#inStack.delete(cloudName);
    return report;
  }

  /**
   * Writes pending retirements to the central manager. The policy bounds how long an entry is
   * kept (every token it covers has expired after that).
   */
  #flushRevocations(policy: PolicyConfig, now: number): Promise<void> {
    // Background deploys of several clouds flush at once: one read-modify-write at a time, so
    // no flush writes over another's entries.
    const run = this.#flushing.then(() =>
      this.#writePending(policy, now).catch((err: unknown) => {
        this.options.log.error(
          { pending: [...this.#pending.keys()], err: messageOf(err) },
          "could not revoke retired workers' IDTOKENs; retried at the next deploy",
        );
      }),
    );
    this.#flushing = run;
    return run;
  }
  #flushing: Promise<void> = Promise.resolve();

  /** One read-modify-write of the central manager's list; throws when it fails. */
  async #writePending(policy: PolicyConfig, now: number): Promise<void> {
    if (this.#pending.size === 0) return;
    const retired: Revocation[] = [...this.#pending].map(([identity, issuedUpTo]) => ({
      identity,
      issuedUpTo,
    }));
    const current = await this.options.revocations.read();
    const next = updateRevocations(current, retired, now, longestTokenLifetime(policy));
    if (!sameRevocations(current, next)) await this.options.revocations.write(next);
    // Entries retired again meanwhile (a later time) stay pending.
    for (const r of retired) {
      if (this.#pending.get(r.identity) === r.issuedUpTo) this.#pending.delete(r.identity);
    }
    this.options.log.info(
      { revoked: retired.map((r) => r.identity), entries: next.length },
      `revoked the IDTOKENs of ${retired.length} retired worker(s)`,
    );
  }

  #retire(name: string, now: number): void {
    if (!isWorkerName(name)) return;
    const identity = workerIdentity(name);
    this.#pending.set(identity, Math.max(this.#pending.get(identity) ?? 0, now));
  }

  async #tokenFor(
    cloud: string,
    worker: PoolWorker,
    policy: PolicyConfig,
    now: number,
  ): Promise<WorkerToken> {
    const expiresAt = tokenExpiresAt(worker, policy);
    const cached = this.#minted.get(worker.name)?.token;
    if (
      cached !== undefined &&
      cached.expiresAt === expiresAt &&
      cached.expiresAt - now > REUSE_MARGIN_SECONDS
    ) {
      return cached;
    }
    const token = await this.options.issuer.issue({ worker: worker.name, expiresAt }, now);
    if (cached !== undefined) this.#drop(worker.name);
    this.#minted.set(worker.name, { cloud, token });
    this.options.log.info(
      { worker: worker.name, identity: token.identity, tokenId: token.tokenId, expiresAt },
      "minted the worker's IDTOKEN",
    );
    return token;
  }

  async #instancesOf(cloudName: string): Promise<Set<string>> {
    const known = this.#inStack.get(cloudName);
    if (known !== undefined) return known;
    // Once per cloud and process: what the stack already holds needs no token.
    this.#remember(cloudName, await this.inner.instances(cloudName));
    return this.#inStack.get(cloudName) ?? new Set();
  }

  #remember(cloudName: string, instances: readonly DeployedInstance[]): void {
    const names = new Set(instances.map((i) => i.name));
    this.#inStack.set(cloudName, names);
    // A created worker never needs its token again.
    for (const name of names) this.#drop(name);
  }

  /** Forgets a minted token (and tells the scrubber it is no longer in use). */
  #drop(name: string): void {
    const minted = this.#minted.get(name);
    if (minted === undefined) return;
    this.#minted.delete(name);
    knownSecrets.forget(minted.token.token.reveal());
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
