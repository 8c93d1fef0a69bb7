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

/**
 * LaunchDigests from `compute`, each shape's digest computed once. The model asks for every
 * worker each cycle, cloud by cloud and mostly in runs of one shape: the shape asked for last
 * is answered by four comparisons, the others through nested maps (no key string per worker).
 */
export function memoizedLaunch(
  compute: (cloud: string, vmType: string, image: string, flavor: string) => string | undefined,
): LaunchDigests {
  const byCloud = new Map<string, Map<string, Map<string, Map<string, string | undefined>>>>();
  let last: { cloud: string; vmType: string; image: string; flavor: string } | undefined;
  let lastDigest: string | undefined;
  return {
    of(cloud, vmType, image, flavor) {
      if (
        last !== undefined &&
        last.cloud === cloud &&
        last.vmType === vmType &&
        last.image === image &&
        last.flavor === flavor
      ) {
        return lastDigest;
      }
      const byType = child(byCloud, cloud);
      const byImage = child(byType, vmType);
      const byFlavor = child(byImage, image);
      let digest: string | undefined;
      if (byFlavor.has(flavor)) digest = byFlavor.get(flavor);
      else {
        digest = compute(cloud, vmType, image, flavor);
        byFlavor.set(flavor, digest);
      }
      last = { cloud, vmType, image, flavor };
      lastDigest = digest;
      return digest;
    },
  };
}

function child<V>(map: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let found = map.get(key);
  if (found === undefined) {
    found = new Map();
    map.set(key, found);
  }
  return found;
}

/**
 * `make` remembered for the last config it was asked for: the daemon asks each cycle, and its
 * config object is replaced only when a new good config is read (the digests render the
 * worker user-data of every cloud and VM type: milliseconds per cycle otherwise).
 */
export function perConfig<C extends object, T>(make: (config: C) => T): (config: C) => T {
  let last: { config: C; value: T } | undefined;
  return (config) => {
    if (last === undefined || last.config !== config) last = { config, value: make(config) };
    return last.value;
  };
}
