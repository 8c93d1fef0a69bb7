// What a worker boots with, as a digest. A worker records the digest of its launch settings
// when it is planned; when the digest for its shape changes (new token, CONDOR_HOST, template,
// image, network...), it has drifted: drained when idle and replaced, never replaced in place.
import { createHash } from "node:crypto";

/** The launch digest a worker of a shape gets on a cloud today. */
export interface LaunchDigests {
  /** undefined when the settings cannot be known (e.g. no CONDOR_HOST): no drift is judged. */
  of(cloud: string, vmType: string, image: string, flavor: string): string | undefined;
}

/** No digests known: every worker counts as current (tests, simulator baselines). */
export const UNKNOWN_LAUNCH: LaunchDigests = { of: () => undefined };

/** The digest of some launch settings: 16 hex characters of a SHA-256 over their JSON. */
export function launchDigest(settings: unknown): string {
  return createHash("sha256").update(JSON.stringify(settings)).digest("hex").slice(0, 16);
}

/** Digests from a fixed table keyed "cloud|vmType|image|flavor" (tests, the simulator). */
export function launchTable(table: Readonly<Record<string, string>>): LaunchDigests {
  return { of: (cloud, vmType, image, flavor) => table[`${cloud}|${vmType}|${image}|${flavor}`] };
}
