// The central manager's list of revoked worker tokens, as the ClassAd expression HTCondor
// evaluates against each token's claims (SEC_TOKEN_REVOCATION_EXPR, src/condor_io/
// condor_auth_passwd.cpp isTokenRevoked). Pure.
//
// A retired worker's entry revokes every token of its identity issued up to its retirement:
// `(sub =?= "<identity>" && iat <= <T>)`. Keyed by identity and issue time rather than by the
// token's id, so it needs nothing but the worker's name (no minted token has to be remembered)
// and a later worker that reuses the name (plan/naming.ts) gets a token issued after T, which
// the entry does not touch. An entry is dropped once every token it covers has expired: a
// token issued at or before T expires by T + the longest token lifetime.
import { RevocationError } from "./errors.js";
import type { Revocation } from "./types.js";
import { workerOfIdentity } from "./worker-identity.js";

/** The expression for an empty list: no token is revoked. */
export const NOTHING_REVOKED = "false";

const ENTRY = /^\(sub =\?= "([^"\\]+)" && iat <= (\d+)\)$/;

/** The ClassAd expression that is true for a revoked token (sorted, so it is stable). */
export function revocationExpression(revocations: readonly Revocation[]): string {
  if (revocations.length === 0) return NOTHING_REVOKED;
  return sortRevocations(revocations)
    .map((r) => {
      assertEntry(r);
      return `(sub =?= "${r.identity}" && iat <= ${r.issuedUpTo})`;
    })
    .join(" || ");
}

/** Reads back an expression revocationExpression wrote; anything else is a RevocationError. */
export function parseRevocationExpression(text: string): Revocation[] {
  const expression = text.trim();
  if (expression === "" || expression === NOTHING_REVOKED) return [];
  return expression.split(" || ").map((part) => {
    const match = ENTRY.exec(part.trim());
    if (!match) {
      throw new RevocationError(
        `the collector's list has an entry this scheduler did not write: ${JSON.stringify(part.slice(0, 120))}`,
      );
    }
    const revocation = { identity: match[1] as string, issuedUpTo: Number(match[2]) };
    assertEntry(revocation);
    return revocation;
  });
}

/**
 * The list after retiring `retired` at `now`: each identity keeps its latest retirement, and
 * entries whose tokens have all expired (older than `longestTokenLifetime`) are dropped.
 */
export function updateRevocations(
  current: readonly Revocation[],
  retired: readonly Revocation[],
  now: number,
  longestTokenLifetime: number,
): Revocation[] {
  const latest = new Map<string, number>();
  for (const r of [...current, ...retired]) {
    latest.set(r.identity, Math.max(latest.get(r.identity) ?? 0, r.issuedUpTo));
  }
  return sortRevocations(
    [...latest]
      .filter(([, issuedUpTo]) => issuedUpTo + longestTokenLifetime >= now)
      .map(([identity, issuedUpTo]) => ({ identity, issuedUpTo })),
  );
}

/** Do two lists say the same? */
export function sameRevocations(a: readonly Revocation[], b: readonly Revocation[]): boolean {
  return revocationExpression(a) === revocationExpression(b);
}

function sortRevocations(revocations: readonly Revocation[]): Revocation[] {
  return [...revocations].sort((a, b) =>
    a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : a.issuedUpTo - b.issuedUpTo,
  );
}

function assertEntry(r: Revocation): void {
  if (workerOfIdentity(r.identity) === undefined) {
    throw new RevocationError(`not a worker identity: ${JSON.stringify(r.identity.slice(0, 120))}`);
  }
  if (!Number.isSafeInteger(r.issuedUpTo) || r.issuedUpTo < 0) {
    throw new RevocationError(`bad issue time ${r.issuedUpTo} for ${r.identity}`);
  }
}
