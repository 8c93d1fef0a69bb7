import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyDemand, idKey } from "../../scheduler/plan/demand.js";
import { compareText } from "../../scheduler/plan/match.js";
import { exampleConfig, idleJob } from "./world.js";

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);

describe("idKey", () => {
  it("orders HTCondor job ids exactly as their text (property)", () => {
    const id = fc
      .tuple(fc.stringMatching(/^\d{1,7}$/), fc.stringMatching(/^\d{1,6}$/))
      .map(([cluster, proc]) => `${cluster}.${proc}`);
    fc.assert(
      fc.property(id, id, (a, b) => {
        expect(idKey(a)).toBeGreaterThanOrEqual(0);
        expect(sign(idKey(a) - idKey(b))).toBe(compareText(a, b));
      }),
      { numRuns: 5000 },
    );
    for (const [a, b] of [
      ["9.1", "10.0"],
      ["1.10", "1.9"],
      ["1.0", "1.00"],
      ["9999999.999999", "9999999.99999"],
      ["1.0", "10.0"],
    ] as const) {
      expect(sign(idKey(a) - idKey(b)), `${a} vs ${b}`).toBe(compareText(a, b));
    }
  });

  it("gives no key to anything else (those compare as text)", () => {
    for (const id of ["", ".1", "1.", "1", "12345678.1", "1.1234567", "a.1", "1.0.0", "-1.0"]) {
      expect(idKey(id), id).toBe(-1);
    }
  });
});

describe("classifyDemand", () => {
  it("puts each idle job of ours in one class of its group, in job id order", () => {
    const config = exampleConfig();
    const jobs = [
      idleJob({ id: "10.0", owner: "a" }),
      idleJob({ id: "9.0", owner: "b", requestCpus: 2 }),
      idleJob({ id: "9.1", owner: "a" }),
      idleJob({ id: "11.0", vmType: "nope" }),
      idleJob({ id: "12.0", state: "running" }),
      idleJob({ id: "1.5", owner: "a", vmKeepAliveMinutes: 30 }),
    ];
    const demand = classifyDemand(config, jobs);
    expect(demand.groups.map((g) => g.key)).toEqual([
      "demo-vm|cernvm-demo|m1.small|alberta,victoria",
    ]);
    const [group] = demand.groups;
    expect(
      group?.classes.map((c) => [c.size.cores, Array.from(c.jobs, (j) => jobs[j]?.id)]),
    ).toEqual([
      [2, ["9.0"]],
      [1, ["1.5", "10.0", "9.1"]],
    ]);
    expect(demand.rejected.map((r) => r.jobId)).toEqual(["11.0"]);
    expect(demand.owners).toEqual(["a", "b"]);
    expect(demand.idleJobs).toEqual([3, 1]);
    expect(demand.keepAlive[5]).toBe(1800);
  });
});

describe("classifyDemand on many jobs", () => {
  it("keeps each class in job id text order, however many jobs (property)", () => {
    const config = exampleConfig();
    const job = fc.record({
      cluster: fc.stringMatching(/^[1-9]\d{0,6}$/),
      proc: fc.stringMatching(/^\d{1,6}$/),
      cpus: fc.constantFrom(1, 2),
      memory: fc.constantFrom(512, 1024),
    });
    fc.assert(
      fc.property(fc.array(job, { minLength: 4096, maxLength: 6000 }), (specs) => {
        const jobs = specs.map((s) =>
          idleJob({
            id: `${s.cluster}.${s.proc}`,
            requestCpus: s.cpus,
            requestMemoryMb: s.memory,
          }),
        );
        const demand = classifyDemand(config, jobs);
        let total = 0;
        for (const group of demand.groups) {
          for (const c of group.classes) {
            const ids = Array.from(c.jobs, (j) => jobs[j]?.id as string);
            expect(ids).toEqual([...ids].sort(compareText));
            total += ids.length;
          }
        }
        expect(total).toBe(jobs.length);
      }),
      { numRuns: 5 },
    );
  });
});
