// How long a simulated `pulumi up` of a pool stack takes, and how long a VM takes to boot: the
// parameters are the measured figures below (one table, to be replaced when the deployer
// changes), the model interpolates between them.
//
// Deploy figures: bench/pool-deploy.ts, real Pulumi engine and Terraform-bridged OpenStack
// provider against the local two-region OpenStack (Nova fake driver), one `up` of the pool
// stack after the change named. Boot figures: Nova create -> ACTIVE on that cloud (measured);
// guest boot to HTCondor registration is not measurable there (the fake driver boots no guest),
// so it keeps the simulator's assumed figure, labelled as such.
import type { Distribution } from "./random.js";

/** One measured `up`: instances in the stack before, instances created and deleted, seconds. */
export interface MeasuredUp {
  before: number;
  create: number;
  delete: number;
  seconds: number;
}

export interface DeployTiming {
  /** Where the figures come from (shown in the report). */
  source: string;
  ups: MeasuredUp[];
  /** Nova create request -> ACTIVE. */
  active: Distribution;
  /** ACTIVE -> the worker's startd is in condor_status. */
  guestBoot: Distribution;
  guestBootSource: string;
}

export const MEASURED_TIMING: DeployTiming = {
  source:
    "pool-deploy bench: real Pulumi engine, stand-in OpenStack provider, local OpenStack (sequential deployer)",
  ups: [
    { before: 0, create: 1, delete: 0, seconds: 6.2 },
    { before: 0, create: 10, delete: 0, seconds: 29.0 },
    { before: 0, create: 50, delete: 0, seconds: 130.9 },
    { before: 50, create: 0, delete: 0, seconds: 3.1 },
    { before: 50, create: 1, delete: 0, seconds: 7.4 },
    { before: 50, create: 0, delete: 1, seconds: 6.8 },
    { before: 200, create: 0, delete: 0, seconds: 9.8 },
    { before: 200, create: 1, delete: 0, seconds: 20.6 },
    { before: 200, create: 0, delete: 1, seconds: 12.3 },
    { before: 0, create: 200, delete: 0, seconds: 617 },
  ],
  active: { kind: "uniform", min: 0.35, max: 1.1 },
  guestBoot: { kind: "lognormal", median: 150, sigma: 0.25, max: 900 },
  guestBootSource: "assumed (not measured here): median 150 s, lognormal sigma 0.25",
};

/** When, from the start of an `up`, each create and delete is issued, and when it ends. */
export interface UpSchedule {
  /** Seconds from the start of the up at which the i-th create request goes out. */
  createAt: (i: number) => number;
  /** Seconds from the start of the up at which the j-th delete is done. */
  deleteAt: (j: number) => number;
  total: number;
}

/**
 * The model: an up costs a refresh that grows with the stack (no-change ups), the first create
 * or delete a fixed price that depends on the stack size (the engine writes its whole
 * checkpoint per step), and each further create the per-create price of a bulk add of that
 * size. Between measured points the figures are interpolated linearly; outside them the
 * nearest two points are extended. Deletes past the first are priced like further creates
 * (not measured).
 */
export function upSchedule(
  timing: DeployTiming,
  before: number,
  creates: number,
  deletes: number,
): UpSchedule {
  const curves = curvesOf(timing);
  const base = Math.max(0, interpolate(curves.refresh, before));
  const firstCreate = Math.max(0, interpolate(curves.firstCreate, before));
  const firstDelete = Math.max(0, interpolate(curves.firstDelete, before));
  const further = (count: number) =>
    curves.furtherCreate.length > 0
      ? Math.max(0, interpolate(curves.furtherCreate, count))
      : firstCreate;
  const perCreate = creates > 1 ? further(creates) : 0;
  const createSpan = creates > 0 ? firstCreate + (creates - 1) * perCreate : 0;
  const deleteStart = base + createSpan;
  const perDelete = further(Math.max(creates, deletes));
  const deleteSpan = deletes > 0 ? firstDelete + (deletes - 1) * perDelete : 0;
  return {
    createAt: (i) => base + i * perCreate,
    deleteAt: (j) => deleteStart + firstDelete + j * perDelete,
    total: base + createSpan + deleteSpan,
  };
}

interface Curves {
  /** Stack size -> seconds of a no-change up. */
  refresh: [number, number][];
  /** Stack size -> seconds the first create adds. */
  firstCreate: [number, number][];
  /** Stack size -> seconds the first delete adds. */
  firstDelete: [number, number][];
  /** Creates in one up -> seconds each create past the first adds. */
  furtherCreate: [number, number][];
}

const curvesCache = new WeakMap<DeployTiming, Curves>();

/** The measured ups as the model's curves (derived once per table). */
function curvesOf(timing: DeployTiming): Curves {
  const cached = curvesCache.get(timing);
  if (cached) return cached;
  const ups = timing.ups;
  const refresh = sortedPoints(
    ups.filter((u) => u.create === 0 && u.delete === 0).map((u) => [u.before, u.seconds]),
  );
  const refreshAt = (n: number) => Math.max(0, interpolate(refresh, n));
  const single = ups.find((u) => u.before === 0 && u.create === 1 && u.delete === 0);
  const curves: Curves = {
    refresh,
    firstCreate: sortedPoints(
      ups
        .filter((u) => u.create === 1 && u.delete === 0)
        .map((u) => [u.before, u.seconds - refreshAt(u.before)]),
    ),
    firstDelete: sortedPoints(
      ups
        .filter((u) => u.create === 0 && u.delete === 1)
        .map((u) => [u.before, u.seconds - refreshAt(u.before)]),
    ),
    furtherCreate: single
      ? sortedPoints(
          ups
            .filter((u) => u.before === 0 && u.create > 1 && u.delete === 0)
            .map((u) => [u.create, (u.seconds - single.seconds) / (u.create - 1)]),
        )
      : [],
  };
  curvesCache.set(timing, curves);
  return curves;
}

/** Points sorted by x, values at equal x averaged. */
function sortedPoints(points: readonly (readonly [number, number])[]): [number, number][] {
  const byX = new Map<number, number[]>();
  for (const [px, py] of points) byX.set(px, [...(byX.get(px) ?? []), py]);
  return [...byX]
    .map(([px, ys]): [number, number] => [px, ys.reduce((a, b) => a + b, 0) / ys.length])
    .sort((a, b) => a[0] - b[0]);
}

/** Piecewise-linear through points sorted by x, extended at both ends by the nearest two. */
export function interpolate(sorted: readonly [number, number][], x: number): number {
  if (sorted.length === 0) return 0;
  if (sorted.length === 1) return (sorted[0] as [number, number])[1];
  let i = 1;
  while (i < sorted.length - 1 && x > (sorted[i] as [number, number])[0]) i++;
  const [x0, y0] = sorted[i - 1] as [number, number];
  const [x1, y1] = sorted[i] as [number, number];
  return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
}
