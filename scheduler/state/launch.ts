// What a worker boots with, as a digest. A worker records the digest of its launch settings
// when it is planned; when the digest for its shape changes (new token, CONDOR_HOST, template,
// image, network...), it has drifted: drained when idle and replaced, never replaced in place.
import { createHash } from "node:crypto";
import { ShapeIndex } from "./shape-index.js";

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
 * worker each cycle, cloud by cloud and mostly in runs of one shape (shape-index.ts answers the
 * shape asked for last by comparisons).
 */
export function memoizedLaunch(
  compute: (cloud: string, vmType: string, image: string, flavor: string) => string | undefined,
): LaunchDigests {
  // Per cloud: its shapes' digests (boxed: an unknown digest is remembered too), and the
  // computation its new shapes are given, made once (nothing is allocated per worker asked about).
  const clouds = new Map<string, CloudDigests>();
  let last: CloudDigests | undefined;
  return {
    of(cloud, vmType, image, flavor) {
      if (last === undefined || last.cloud !== cloud) {
        last = clouds.get(cloud);
        if (last === undefined) {
          last = {
            cloud,
            shapes: new ShapeIndex(),
            compute: (t, i, f) => ({ digest: compute(cloud, t, i, f) }),
          };
          clouds.set(cloud, last);
        }
      }
      return last.shapes.get(vmType, image, flavor, last.compute).digest;
    },
  };
}

interface CloudDigests {
  cloud: string;
  shapes: ShapeIndex<{ digest: string | undefined }>;
  compute: (vmType: string, image: string, flavor: string) => { digest: string | undefined };
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
