// The join fence of the real pool: a worker deleted before it joined is first made unable to
// join, by revoking its IDTOKEN on the central manager (the collector refuses an ad sent with a
// revoked token, and the negotiator matches only ads the collector holds). Once the collector
// holds the revocation, an ad of the worker it does not hold yet can never come: the workers
// without an ad then run nothing and can be deleted; those with one had joined first and may be
// running a job, so they are kept and retired the normal way.
import { RevocationError } from "./errors.js";
import type { JoinFence, RevocationList } from "./types.js";
import { isWorkerName, workerIdentity } from "./worker-identity.js";

/** Writes revocations through the one writer of the list (IdentityDeployer.revokeNow). */
export interface Revoker {
  revokeNow(workers: readonly string[], now: number): Promise<void>;
}

/** The names, among `workers`, of those with any ad in the collector. */
export type JoinedLookup = (workers: readonly string[]) => Promise<ReadonlySet<string>>;

export class RevocationJoinFence implements JoinFence {
  constructor(
    private readonly revoker: Revoker,
    /** Read back to make sure the collector took the entries (and uses them). */
    private readonly revocations: Pick<RevocationList, "read">,
    private readonly joined: JoinedLookup,
  ) {}

  async close(workers: readonly string[], now: number): Promise<ReadonlySet<string>> {
    // A name that is no worker's has no identity to revoke: it cannot be fenced, so it is kept.
    const fenced = workers.filter(isWorkerName);
    const kept = new Set(workers.filter((name) => !isWorkerName(name)));
    if (fenced.length === 0) return kept;
    await this.revoker.revokeNow(fenced, now);
    const inForce = new Map<string, number>();
    for (const r of await this.revocations.read()) {
      inForce.set(r.identity, Math.max(inForce.get(r.identity) ?? 0, r.issuedUpTo));
    }
    const missing = fenced.filter((name) => (inForce.get(workerIdentity(name)) ?? -1) < now);
    if (missing.length > 0) {
      throw new RevocationError(
        `the collector's revocation list does not hold ${missing.length} worker(s) just revoked (${missing.slice(0, 3).join(", ")}${missing.length > 3 ? ", ..." : ""})`,
      );
    }
    for (const name of await this.joined(fenced)) kept.add(name);
    return kept;
  }
}

/**
 * Which of `names` the startds name, by CloudSchedulerVM or by their Machine ("<name>.<domain>",
 * or the bare name): any ad counts, whoever sent it.
 */
export function joinedNames(
  startds: readonly { workerName?: string | undefined; machine: string }[],
  names: readonly string[],
): Set<string> {
  const wanted = new Set(names);
  const joined = new Set<string>();
  for (const startd of startds) {
    if (startd.workerName !== undefined && wanted.has(startd.workerName))
      joined.add(startd.workerName);
    const host = startd.machine.split(".")[0] ?? "";
    if (wanted.has(host)) joined.add(host);
  }
  return joined;
}
