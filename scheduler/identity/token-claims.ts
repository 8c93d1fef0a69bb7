// The claims of an HTCondor IDTOKEN (a JWT signed by the central manager). Read only to check
// that a minted token is what was asked for; the signature is the collector's to verify.
import { z } from "zod";

const claimsSchema = z
  .object({
    sub: z.string(),
    iss: z.string(),
    iat: z.number().int(),
    exp: z.number().int().optional(),
    jti: z.string().optional(),
    scope: z.string().optional(),
  })
  .loose();

export type TokenClaims = z.output<typeof claimsSchema>;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The token's claims, or undefined when it is not a JWT with the claims HTCondor writes. */
export function tokenClaims(token: string): TokenClaims | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1] as string, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  const parsed = claimsSchema.safeParse(payload);
  return parsed.success ? parsed.data : undefined;
}

/** The authorizations of a token's scope ("condor:/READ condor:/ADVERTISE_STARTD"), sorted. */
export function scopeAuthorizations(scope: string | undefined): string[] {
  if (scope === undefined) return [];
  return scope
    .split(/\s+/)
    .filter((part) => part !== "")
    .map((part) => part.replace(/^condor:\//, ""))
    .sort();
}
