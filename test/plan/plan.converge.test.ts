// Convergence: cycles of plan -> boot -> register -> run -> retire settle, over random worlds and
// on the bundled example.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Job } from "../../scheduler/condor/types.js";
import { plan } from "../../scheduler/plan/plan.js";
import { configArb } from "./arbitrary-world.js";
import { type SimJob, simulate } from "./simulate.js";
import { exampleConfig, idleJob, NOW } from "./world.js";

const simJobArb = fc.record({
  owner: fc.constantFrom("ann", "bob", "cy"),
  type: fc.nat(2),
  cpus: fc.integer({ min: 1, max: 2 }),
  memory: fc.integer({ min: 0, max: 1024 }),
  cycles: fc.integer({ min: 1, max: 3 }),
  target: fc.option(fc.subarray(["a", "b", "a-b", "c"], { minLength: 1 }), {
    nil: undefined,
    freq: 5,
  }),
});

const bootsIn = (result: ReturnType<typeof plan>) =>
  result.decisions.filter((d) => d.kind === "boot").reduce((n, d) => n + (d.count ?? 0), 0);

describe("plan converges", () => {
  it("settles random worlds: a fixed point, no worker booted twice for the same job", () => {
    fc.assert(
      fc.property(configArb, fc.array(simJobArb, { maxLength: 12 }), (config, specs) => {
        const types = Object.keys(config.vm_types).sort();
        const jobs: SimJob[] = specs.map((s, i) => ({
          cycles: s.cycles,
          job: {
            ...idleJob({
              owner: s.owner,
              vmType: types[s.type % types.length] as string,
              requestCpus: s.cpus,
              requestMemoryMb: s.memory,
              requestDiskKb: 0,
              ...(s.target === undefined ? {} : { targetClouds: s.target }),
            }),
            id: `${i + 1}.0`,
          },
        }));
        const sim = simulate(config, jobs, NOW, 150);
        const booted = sim.results.reduce((n, r) => n + bootsIn(r), 0);
        expect(booted).toBeLessThanOrEqual(jobs.length);

        // Whatever is left is a fixed point: planning again changes nothing.
        const again = plan({
          config,
          jobs: sim.queue,
          workers: sim.workers,
          pools: sim.pools,
          now: sim.now,
          unavailableClouds: new Set(),
        });
        const lastNow = sim.now;
        const later = plan({
          config,
          jobs: sim.queue,
          workers: sim.workers,
          pools: again.pools,
          now: lastNow,
          unavailableClouds: new Set(),
        });
        expect(later.pools).toEqual(again.pools);
        expect(later.retire).toEqual([]);
        const stuck = sim.queue.filter(
          (job) => !again.rejectedJobs.some((r) => r.jobId === job.id),
        );
        if (stuck.length > 0) {
          // Jobs still waiting are explained.
          expect(again.decisions.some((d) => d.kind === "unserved")).toBe(true);
        } else {
          expect(Object.values(again.pools).flat()).toEqual([]);
        }
      }),
      { numRuns: Number(process.env.CONVERGE_RUNS ?? 60) },
    );
  });

  it("runs the example's 12 demo jobs and 3 four-core jobs, then empties the pools", () => {
    const config = exampleConfig();
    const jobs: SimJob[] = [
      ...Array.from({ length: 12 }, (_, i) => ({
        cycles: 3,
        job: { ...idleJob({ owner: i % 2 ? "ann" : "bob" }), id: `1.${i}` } as Job,
      })),
      ...Array.from({ length: 3 }, (_, i) => ({
        cycles: 2,
        job: { ...idleJob({ vmType: "four-core", requestCpus: 4 }), id: `2.${i}` } as Job,
      })),
    ];
    const sim = simulate(config, jobs, NOW, 100);
    expect(sim.queue).toEqual([]);
    expect(Object.values(sim.pools).flat()).toEqual([]);
    const first = sim.results[0];
    // 12 one-core jobs on 2-core demo-vms and 3 four-core jobs: 9 workers, at most 5 per cloud.
    expect(first ? bootsIn(first) : 0).toBe(9);
    expect(sim.results.reduce((n, r) => n + bootsIn(r), 0)).toBe(9);
    // keep-alive 10m / 5m at 60 s a cycle, plus drain: done well within 20 cycles.
    expect(sim.cycles).toBeLessThan(20);
  });
});
