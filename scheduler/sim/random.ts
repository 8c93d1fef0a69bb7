// Seeded randomness for the simulator: the same seed gives the same boots, failures and
// therefore the same report, run after run. mulberry32: tiny, fast, good enough for sampling.
import { z } from "zod";

export type Random = () => number;

/** A generator of floats in [0, 1) from a 32-bit seed. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** How long something takes, in seconds: fixed, uniform, or log-normal (boot times are skewed). */
export const distributionSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("fixed"), seconds: z.number().nonnegative() }).strict(),
  z
    .object({
      kind: z.literal("uniform"),
      min: z.number().nonnegative(),
      max: z.number().nonnegative(),
    })
    .strict()
    .refine((d) => d.min <= d.max, { message: "min must not exceed max" }),
  z
    .object({
      kind: z.literal("lognormal"),
      /** Median seconds. */
      median: z.number().positive(),
      /** Standard deviation of ln(seconds). */
      sigma: z.number().nonnegative(),
      /** Clamp, so one unlucky draw cannot stall a whole run. */
      max: z.number().positive().optional(),
    })
    .strict(),
]);

export type Distribution = z.output<typeof distributionSchema>;

export function sample(distribution: Distribution, random: Random): number {
  switch (distribution.kind) {
    case "fixed":
      return distribution.seconds;
    case "uniform":
      return distribution.min + (distribution.max - distribution.min) * random();
    case "lognormal": {
      // Box-Muller; 1 - random() keeps the log argument away from 0.
      const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      const value = distribution.median * Math.exp(distribution.sigma * normal);
      return distribution.max === undefined ? value : Math.min(value, distribution.max);
    }
  }
}

/** The median of a distribution (the "boot time" the wait bound quotes). */
export function medianOf(distribution: Distribution): number {
  switch (distribution.kind) {
    case "fixed":
      return distribution.seconds;
    case "uniform":
      return (distribution.min + distribution.max) / 2;
    case "lognormal":
      return distribution.median;
  }
}

/** The smallest value a distribution can give (the strict lower bound on a cold start). */
export function minimumOf(distribution: Distribution): number {
  switch (distribution.kind) {
    case "fixed":
      return distribution.seconds;
    case "uniform":
      return distribution.min;
    case "lognormal":
      return 0;
  }
}
