// Broken slots (observation 6): a worker with a slot HTCondor marked broken is not capacity;
// idle, it is drained at once and replaced; busy, its jobs finish first.
import { describe, expect, it } from "vitest";
import type { ObservedWorker } from "../../scheduler/condor/types.js";
import { plan } from "../../scheduler/plan/plan.js";
import { jobs, NOW, poolWorker, startd, world } from "./world.js";

const name = "cs-alberta-demo-vm-0001";

function broken(running: number): ObservedWorker {
  const ads = startd(name, running);
  return {
    ...ads,
    slots: ads.slots.map((s) =>
      s.slotType === "Partitionable"
        ? { ...s, cpus: 0, broken: { code: 1, reason: "Could not clean up slot1_1" } }
        : s,
    ),
  };
}

describe("broken slots", () => {
  it("drains an idle worker with a broken slot at once (no keep-alive) and boots a replacement for waiting jobs", () => {
    const worker = poolWorker(name, { idleSince: NOW - 10 });
    const result = plan(
      world({ jobs: jobs(1), pools: { alberta: [worker] }, workers: [broken(0)] }),
    );
    expect(result.retire.map((r) => [r.worker, r.method])).toEqual([[name, "drain"]]);
    const decision = result.decisions.find((d) => d.kind === "retire-unhealthy");
    expect(decision?.reason).toMatch(
      /broken slot "slot1@cs-alberta-demo-vm-0001.cloud.test": SlotBrokenCode 1/,
    );
    expect(result.decisions.some((d) => d.kind === "boot")).toBe(true);
  });

  it("keeps a busy worker with a broken slot until its jobs finish, and does not count it as room", () => {
    const worker = poolWorker(name);
    delete worker.idleSince;
    const result = plan(
      world({ jobs: jobs(1), pools: { alberta: [worker] }, workers: [broken(1)] }),
    );
    expect(result.retire).toEqual([]);
    expect(result.pools.alberta?.find((w) => w.name === name)?.state).toBe("registered");
    expect(result.decisions.find((d) => d.kind === "unhealthy")?.reason).toMatch(
      /kept until its 1 job finish/,
    );
    // The idle job gets a new worker rather than a slot on the broken one.
    expect(result.decisions.some((d) => d.kind === "boot")).toBe(true);
  });
});
