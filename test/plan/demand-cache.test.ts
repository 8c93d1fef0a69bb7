// The demand cache on hand-made cycles: what it keeps, what it classifies anew.
import { describe, expect, it } from "vitest";
import type { Job } from "../../scheduler/condor/types.js";
import { classifyDemand, type Demand } from "../../scheduler/plan/demand.js";
import { DemandCache, positionOf } from "../../scheduler/plan/demand-cache.js";
import { exampleConfig, idleJob } from "./world.js";

/** Per class (largest first): its memory and its jobs' ids. */
function classes(demand: Demand): [number, string[]][] {
  return demand.groups.flatMap((g) =>
    g.classes.map((c): [number, string[]] => [
      c.size.memoryMb,
      Array.from(c.jobs, (i) => (demand.jobs[i] as Job).id),
    ]),
  );
}

describe("DemandCache", () => {
  it("follows a job whose RequestMemory is edited and edited back (condor_qedit)", () => {
    const config = exampleConfig();
    const cache = new DemandCache();
    const a = idleJob({ id: "1.0", requestMemoryMb: 1024 });
    const b = idleJob({ id: "1.1", requestMemoryMb: 1024 });
    expect(classes(cache.classify(config, [a, b]))).toEqual([[1024, ["1.0", "1.1"]]]);
    expect(classes(cache.classify(config, [{ ...a, requestMemoryMb: 2048 }, { ...b }]))).toEqual([
      [2048, ["1.0"]],
      [1024, ["1.1"]],
    ]);
    expect(classes(cache.classify(config, [{ ...a }, { ...b }]))).toEqual([[1024, ["1.0", "1.1"]]]);
  });

  it("drops a held job's demand and takes it back in id order when released", () => {
    const config = exampleConfig();
    const cache = new DemandCache();
    const listed = ["9.0", "10.0", "11.0"].map((id) => idleJob({ id }));
    expect(classes(cache.classify(config, listed))[0]?.[1]).toEqual(["10.0", "11.0", "9.0"]);
    const held = listed.map((j) => (j.id === "10.0" ? { ...j, state: "held" as const } : j));
    expect(classes(cache.classify(config, held))[0]?.[1]).toEqual(["11.0", "9.0"]);
    expect(classes(cache.classify(config, listed))[0]?.[1]).toEqual(["10.0", "11.0", "9.0"]);
  });

  it("is not fooled by a job object edited in place between cycles", () => {
    const config = exampleConfig();
    const cache = new DemandCache();
    const job = idleJob({ id: "3.0", requestMemoryMb: 1024 });
    cache.classify(config, [job]);
    job.requestMemoryMb = 4096;
    expect(classes(cache.classify(config, [job]))).toEqual([[4096, ["3.0"]]]);
  });

  it("keeps entries only of the jobs still listed", () => {
    const config = exampleConfig();
    const cache = new DemandCache();
    cache.classify(
      config,
      ["1.0", "1.1", "2.0", "3.0"].map((id) => idleJob({ id })),
    );
    expect(cache.size).toBe(4);
    cache.classify(
      config,
      ["1.1", "4.0"].map((id) => idleJob({ id })),
    );
    expect(cache.size).toBe(2);
  });

  it("keeps each owner's order while jobs are placed anew, and sweeps the positions they left", () => {
    const config = exampleConfig();
    const cache = new DemandCache();
    const listed = Array.from({ length: 300 }, (_, i) =>
      idleJob({ id: `${1 + Math.floor(i / 100)}.${i % 100}`, owner: i % 6 === 0 ? "bob" : "ann" }),
    );
    let longest = 0;
    for (let cycle = 0; cycle < 8; cycle++) {
      // Every job of ann gets a new JobPrio (placed anew); one in 10 of bob's leaves the queue.
      const jobs = listed
        .filter((j, i) => j.owner === "ann" || (i + cycle) % 10 !== 0)
        .map((j, i) => (j.owner === "ann" ? { ...j, priority: (i * 7 + cycle) % 5 } : { ...j }));
      const demand = cache.classify(config, jobs);
      const fresh = classifyDemand(config, jobs);
      expect(classes(demand)).toEqual(classes(fresh));
      for (const [number, owner] of demand.owners.entries()) {
        const queue = demand.ownerOrder?.[number];
        if (queue === undefined) throw new Error(`no queue for ${owner}`);
        longest = Math.max(longest, queue.length);
        const read: string[] = [];
        for (let p = 0; p < queue.length; p++) {
          const index = queue.indexAt(p);
          if (index >= 0) read.push((jobs[index] as Job).id);
        }
        const expected = jobs
          .filter((j) => j.owner === owner)
          .sort(
            (a, b) => b.priority - a.priority || a.queuedAt - b.queuedAt || (a.id < b.id ? -1 : 1),
          )
          .map((j) => j.id);
        expect(read, `${owner}, cycle ${cycle}`).toEqual(expected);
      }
    }
    // Most of ann's 250 jobs leave a dead position each cycle (about 1,650 positions by the
    // last): kept past twice the live ones, swept beyond 2 x 250 + 256.
    expect(longest).toBeGreaterThan(2 * 250);
    expect(longest).toBeLessThanOrEqual(2 * 250 + 256);
  });
});

describe("positionOf", () => {
  it("orders cluster.proc ids as numbers, as condor_q lists them", () => {
    const ids = ["1.0", "1.2", "1.10", "2.0", "10.0", "899999999.9999999"];
    const positions = ids.map(positionOf);
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it("gives no position to anything else", () => {
    for (const id of ["", "1", "1.", ".1", "a.1", "1.0.0", "900000000.0", "1.12345678"]) {
      expect(positionOf(id), id).toBe(-1);
    }
  });
});
