// buildFleet finds a running job's worker by its machine's first label when every machine a
// worker claims carries its name, and by a map of machines otherwise. The property: on random
// fleets whose machine names are mostly labelled, sometimes not (shared, renamed, slots on
// other machines), every worker's running jobs and keep-alive are what the rule in full gives:
// the last claim of the machine (entries' recorded machines, then ads, then their slots), else
// the worker its first label names.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CloudServer } from "../../scheduler/cloud/inventory.js";
import type { Job, ObservedWorker } from "../../scheduler/condor/types.js";
import type { PoolWorker } from "../../scheduler/pool/types.js";
import { buildFleet, labelled } from "../../scheduler/state/build.js";
import { idleJob, NOW, poolWorker, startd } from "../plan/world.js";

const NAMES = ["w1", "w2", "w3", "w4", "w.5"];
/** Machines: labelled with a worker's name, or not (another host, a shared one, a bare name). */
const machineArb = fc.oneof(
  fc.constantFrom(...NAMES).map((n) => `${n}.cloud.test`),
  fc.constantFrom(...NAMES),
  fc.constantFrom("vm-17.site", "shared.site", "w1x.cloud.test", "w.5.cloud.test"),
);

interface World {
  entries: { name: string; machine: string | undefined; cloud: "a" | "b" }[];
  ads: { name: string | undefined; machine: string; extraSlot: string | undefined }[];
  jobs: { host: string; keepAlive: number | undefined }[];
}

const worldArb: fc.Arbitrary<World> = fc.record({
  entries: fc.array(
    fc.record({
      name: fc.constantFrom(...NAMES),
      machine: fc.option(machineArb, { nil: undefined }),
      cloud: fc.constantFrom("a" as const, "b" as const),
    }),
    { maxLength: 6 },
  ),
  ads: fc.array(
    fc.record({
      name: fc.option(fc.constantFrom(...NAMES, "stranger"), { nil: undefined }),
      machine: machineArb,
      extraSlot: fc.option(machineArb, { nil: undefined }),
    }),
    { maxLength: 6 },
  ),
  jobs: fc.array(
    fc.record({
      host: machineArb.map((m) => `slot1_1@${m}`),
      keepAlive: fc.option(fc.constantFrom(15, 60), { nil: undefined }),
    }),
    { maxLength: 8 },
  ),
});

/** What buildFleet counted on each worker. */
function counted(
  fleet: ReturnType<typeof buildFleet>,
): Map<string, { queueJobs: number; keepAlive: number }> {
  return new Map(
    fleet.workers.map((w) => [
      w.entry.name,
      { queueJobs: w.queueJobs, keepAlive: w.jobKeepAliveSeconds },
    ]),
  );
}

/** The rule in full: every claim in a map, the last one winning, then the first label. */
function reference(
  pools: Record<string, PoolWorker[]>,
  observed: ObservedWorker[],
  jobs: Job[],
): Map<string, { queueJobs: number; keepAlive: number }> {
  // The same join as buildFleet, the machines always in a map.
  const fleet = buildFleet({ pools, workers: observed, jobs: [], now: NOW });
  const byName = fleet.byName;
  const withAds = fleet.workers.filter((w) => w.ads !== undefined);
  // withAds in the order of each worker's first startd.
  const adsOrder = new Map<string, number>();
  observed.forEach((w, i) => {
    if (w.workerName !== undefined && !adsOrder.has(w.workerName)) adsOrder.set(w.workerName, i);
  });
  withAds.sort((a, b) => (adsOrder.get(a.entry.name) ?? 0) - (adsOrder.get(b.entry.name) ?? 0));
  const ofMachine = new Map<string, string>();
  for (const w of byName.values()) {
    const m = w.entry.machine;
    if (m && w.ads?.machine !== m) ofMachine.set(m, w.entry.name);
  }
  for (const w of withAds) {
    const ads = w.ads as ObservedWorker;
    ofMachine.set(ads.machine, w.entry.name);
    for (const slot of ads.slots) {
      if (slot.machine !== ads.machine) ofMachine.set(slot.machine, w.entry.name);
    }
  }
  const out = new Map(fleet.workers.map((w) => [w.entry.name, { queueJobs: 0, keepAlive: 0 }]));
  for (const job of jobs) {
    const machine = (job.remoteHost as string).split("@").at(-1) as string;
    const name = ofMachine.get(machine) ?? machine.split(".")[0];
    const counts = name === undefined ? undefined : out.get(name);
    if (counts === undefined) continue;
    counts.queueJobs += 1;
    if (job.vmKeepAliveMinutes !== undefined) {
      counts.keepAlive = Math.max(counts.keepAlive, job.vmKeepAliveMinutes * 60);
    }
  }
  return out;
}

function build(world: World) {
  const pools: Record<string, PoolWorker[]> = { a: [], b: [] };
  for (const e of world.entries) {
    pools[e.cloud]?.push(poolWorker(e.name, e.machine === undefined ? {} : { machine: e.machine }));
  }
  for (const pool of Object.values(pools)) pool.sort((x, y) => (x.name < y.name ? -1 : 1));
  const observed = world.ads.map(({ name, machine, extraSlot }) => {
    const w = startd(name, 1);
    const slots = w.slots.map((s) => ({ ...s, machine }));
    if (extraSlot !== undefined) {
      slots.push({
        ...(slots[0] as (typeof slots)[0]),
        name: `slot2@${extraSlot}`,
        machine: extraSlot,
      });
    }
    return { ...w, machine, slots };
  });
  const jobs = world.jobs.map(({ host, keepAlive }) =>
    idleJob({
      state: "running",
      remoteHost: host,
      ...(keepAlive === undefined ? {} : { vmKeepAliveMinutes: keepAlive }),
    }),
  );
  return { pools, observed, jobs };
}

describe("buildFleet: a running job's worker", () => {
  it("is the one the machine's last claim or its first label names, found by label where every machine is labelled", () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const { pools, observed, jobs } = build(world);
        const servers = new Map<string, CloudServer[]>();
        const fleet = buildFleet({ pools, workers: observed, jobs, servers, now: NOW });
        expect(counted(fleet)).toEqual(reference(pools, observed, jobs));
      }),
      { numRuns: 2000 },
    );
  });

  it("reads a machine's first label as HTCondor's machine names put it", () => {
    expect(labelled("w1.cloud.test", "w1")).toBe(true);
    expect(labelled("w1", "w1")).toBe(true);
    expect(labelled("w1x.cloud.test", "w1")).toBe(false);
    expect(labelled("w", "w1")).toBe(false);
    expect(labelled("w.5.cloud.test", "w.5")).toBe(false);
    expect(labelled("vm-17.site", "w1")).toBe(false);
  });
});
