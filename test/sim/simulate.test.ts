import { expect, test } from "vitest";
import { classicPlanner, staticPlanner, staticPoolSize } from "../../scheduler/sim/baselines.js";
import { MEASURED_TIMING } from "../../scheduler/sim/deploy-timing.js";
import { DEFAULT_BEHAVIOUR } from "../../scheduler/sim/sim-cloud.js";
import { simulate } from "../../scheduler/sim/simulate.js";
import type { SimJobSpec } from "../../scheduler/sim/trace-map.js";
import { demoJob, exampleConfig, START } from "./world.js";

const config = exampleConfig();

/** Three bursts of demo-vm and four-core jobs, an hour apart, more than one cloud can hold. */
function burstyJobs(): SimJobSpec[] {
  const jobs: SimJobSpec[] = [];
  let n = 0;
  for (const burst of [0, 3600, 7200]) {
    for (let i = 0; i < 14; i++)
      jobs.push(demoJob(n++, { submit: START + burst + i * 7, runtime: 300 + ((i * 97) % 900) }));
    for (let i = 0; i < 4; i++)
      jobs.push(
        demoJob(n++, {
          submit: START + burst + 60,
          runtime: 1200,
          cores: 4,
          memoryMb: 8192,
          vmType: "four-core",
        }),
      );
  }
  return jobs;
}

test("a short trace end to end: every job completes, no worker is deleted under a job, quotas hold, all retire", async () => {
  const jobs = burstyJobs();
  const r = await simulate({ config, jobs, seed: 3 });
  const m = r.metrics;
  expect(m.jobs).toEqual({ submitted: jobs.length, finished: jobs.length, unfinished: 0 });
  expect(m.failures.jobsEvicted).toBe(0);
  expect(m.poolOverQuota).toBe(0);
  for (const cloud of ["alberta", "victoria"])
    expect(r.world.cloud.usageOf(cloud).instances).toBe(0);
  // Both clouds were used (demand exceeds alberta's quota), and every boot was retired again.
  expect(Math.max(...(r.series.workers.alberta ?? []))).toBeGreaterThan(0);
  expect(Math.max(...(r.series.workers.victoria ?? []))).toBeGreaterThan(0);
  expect(m.drains).toBe(m.boots);
  // No job can start before a VM booted (cold pool, fixed 150 s median boot) and utilisation <= 1.
  expect(Math.min(...r.waits)).toBeGreaterThanOrEqual(0);
  expect(m.wait.mean).toBeGreaterThan(60);
  expect(m.utilisation).toBeGreaterThan(0.2);
  expect(m.utilisation).toBeLessThanOrEqual(1);
  expect(m.peakWorkers).toBeLessThanOrEqual(10 + 6);
});

test("skipping quiet stretches gives exactly the outcome of running every cycle", async () => {
  const jobs = burstyJobs();
  const fast = await simulate({ config, jobs, seed: 5 });
  const exact = await simulate({ config, jobs, seed: 5, exact: true });
  expect(fast.metrics.cycles).toBeLessThan(exact.metrics.cycles);
  const pick = (m: typeof fast.metrics) => [
    m.wait,
    m.paidCoreHours,
    m.jobCoreHours,
    m.boots,
    m.drains,
    m.peakWorkers,
    m.deployOps.changing,
  ];
  expect(pick(fast.metrics)).toEqual(pick(exact.metrics));
  expect(fast.waits).toEqual(exact.waits);
});

test.each(["break-even", "adaptive"] as const)(
  "skipping quiet stretches is exact with the %s keep-alive (its recorded arrivals and their grid)",
  async (mode) => {
    const withMode = exampleConfig();
    withMode.policy.keep_alive = { ...withMode.policy.keep_alive, mode, window: 1800 };
    // A steady trickle after the first burst, so some idle workers are kept and some are not;
    // quiet stretches follow.
    const jobs = burstyJobs();
    for (let i = 0; i < 15; i++)
      jobs.push(
        demoJob(1000 + i, { submit: START + 200 + i * 211, runtime: 90 + ((i * 53) % 400) }),
      );
    const fast = await simulate({ config: withMode, jobs, seed: 7 });
    const exact = await simulate({ config: withMode, jobs, seed: 7, exact: true });
    expect(fast.metrics.cycles).toBeLessThan(exact.metrics.cycles);
    expect([fast.metrics.paidCoreHours, fast.metrics.boots, fast.metrics.drains]).toEqual([
      exact.metrics.paidCoreHours,
      exact.metrics.boots,
      exact.metrics.drains,
    ]);
    expect(fast.waits).toEqual(exact.waits);
  },
);

test("cancel_boots: boots whose jobs started on workers that freed up are cancelled before they join; none is deleted under a job, cheaper than without, and skipping quiet stretches stays exact", async () => {
  const cancelling = exampleConfig();
  cancelling.policy.keep_alive = { ...cancelling.policy.keep_alive, mode: "break-even" };
  cancelling.policy.cancel_boots = { max_age: 90 };
  // Waves half an hour apart: 6 jobs of 10 minutes, and 3 more that arrive about when the first
  // end, so the boots made for them find their jobs started on the workers that freed up.
  const jobs: SimJobSpec[] = [];
  for (let wave = 0; wave < 4; wave++) {
    const t = START + wave * 1800;
    for (let i = 0; i < 6; i++) jobs.push(demoJob(jobs.length, { submit: t, runtime: 600 }));
    for (let i = 0; i < 3; i++)
      jobs.push(demoJob(jobs.length, { submit: t + 720 + 20 * i, runtime: 300 }));
  }
  const fast = await simulate({ config: cancelling, jobs, seed: 7 });
  const exact = await simulate({ config: cancelling, jobs, seed: 7, exact: true });
  expect(fast.metrics.cancelledBoots).toBeGreaterThan(0);
  expect(fast.metrics.failures.jobsEvicted).toBe(0);
  expect(fast.metrics.jobs.unfinished).toBe(0);
  expect([fast.metrics.paidCoreHours, fast.metrics.cancelledBoots, fast.waits]).toEqual([
    exact.metrics.paidCoreHours,
    exact.metrics.cancelledBoots,
    exact.waits,
  ]);
  const kept = structuredClone(cancelling);
  kept.policy.cancel_boots = { max_age: 0 };
  const without = await simulate({ config: kept, jobs, seed: 7 });
  expect(without.metrics.cancelledBoots).toBe(0);
  expect(fast.metrics.paidCoreHours).toBeLessThan(without.metrics.paidCoreHours);
});

test("the join fence: a boot cancelled during a slow delete cannot join and take a job; without the fence one does", async () => {
  // Deletes that take a minute: a boot cancelled near its end would join meanwhile.
  const slowDelete = {
    ...DEFAULT_BEHAVIOUR,
    timing: {
      ...MEASURED_TIMING,
      ups: MEASURED_TIMING.ups.map((u) => (u.delete > 0 ? { ...u, seconds: 60 } : u)),
    },
  };
  const config = exampleConfig();
  config.policy.keep_alive = { ...config.policy.keep_alive, mode: "break-even" };
  config.policy.cancel_boots = { max_age: 300 };
  // A steady trickle of short jobs: boots keep being made and then not needed.
  const jobs: SimJobSpec[] = [];
  let t = START;
  for (let i = 0; i < 120; i++) {
    t += 20 + ((i * 7919) % 90);
    jobs.push(demoJob(i, { submit: t, runtime: 60 + ((i * 104729) % 400) }));
  }
  for (const seed of [1, 3]) {
    const fenced = await simulate({ config, jobs, seed, behaviour: () => slowDelete });
    const unfenced = await simulate({
      config,
      jobs,
      seed,
      fence: false,
      behaviour: () => slowDelete,
    });
    expect(unfenced.metrics.failures.jobsEvicted).toBeGreaterThan(0);
    expect(fenced.metrics.fencedJoins).toBeGreaterThan(0);
    expect(fenced.metrics.failures.jobsEvicted).toBe(0);
    expect(fenced.metrics.jobs.unfinished).toBe(0);
  }
});

test("failures are survived: ERROR and never-joining instances are replaced, API errors back off, jobs still finish", async () => {
  const jobs = burstyJobs();
  const r = await simulate({
    config,
    jobs,
    seed: 11,
    behaviour: () => ({
      bootTime: { kind: "uniform", min: 60, max: 240 },
      apiErrorRate: 0.1,
      instanceErrorRate: 0.1,
      neverJoinRate: 0.1,
    }),
  });
  const f = r.metrics.failures;
  expect(f.apiErrors + f.instanceErrors + f.neverJoined).toBeGreaterThan(0);
  expect(f.bootTimeouts).toBe(f.instanceErrors + f.neverJoined);
  expect(r.metrics.jobs.unfinished).toBe(0);
  expect(f.jobsEvicted).toBe(0);
});

test("baselines run in the same loop: a static pool never retires, the classic rule boots a VM per waiting job", async () => {
  const jobs = burstyJobs();
  const size = staticPoolSize(config, jobs);
  expect(Object.keys(size).sort()).toEqual(["demo-vm", "four-core"]);
  const stat = await simulate({
    config,
    jobs,
    planner: staticPlanner(size),
    stopWhenJobsDone: true,
    policy: "static",
  });
  expect(stat.metrics.jobs.unfinished).toBe(0);
  expect(stat.metrics.drains).toBe(0);
  expect(stat.metrics.boots).toBe((size["demo-vm"] ?? 0) + (size["four-core"] ?? 0));
  const classic = await simulate({ config, jobs, planner: classicPlanner(), policy: "classic" });
  expect(classic.metrics.jobs.unfinished).toBe(0);
  const ours = await simulate({ config, jobs });
  // One VM per job: more boots than ours, which packs two demo jobs per 2-core VM.
  expect(classic.metrics.boots).toBeGreaterThan(ours.metrics.boots);
});

test("observations built directly equal HTCondor's printed-and-parsed JSON: sampling the JSON path changes nothing", async () => {
  const jobs = burstyJobs();
  // condorJsonEvery 1: every observation goes through the JSON and is checked against the
  // direct records (a difference throws); 7: most observations use the direct records.
  const always = await simulate({ config, jobs, seed: 9, condorJsonEvery: 1 });
  const sampled = await simulate({ config, jobs, seed: 9, condorJsonEvery: 7 });
  expect(sampled.metrics).toEqual(always.metrics);
  expect(sampled.waits).toEqual(always.waits);
});

test("the wait and paid-time splits add up: waits to the mean wait, paid time to paid core-hours", async () => {
  const jobs = burstyJobs();
  const r = await simulate({ config, jobs, seed: 3 });
  const m = r.metrics;
  const waitSum = Object.values(m.waitBreakdown).reduce((a, b) => a + b, 0);
  expect(waitSum).toBeCloseTo(m.wait.mean, 6);
  // A cold start: every job waited for a cycle, a deploy or a boot; the first ones for a boot.
  expect(m.waitBreakdown.boot).toBeGreaterThan(0);
  expect(m.waitBreakdown["next cycle"]).toBeGreaterThan(0);
  const paidSum = Object.values(m.paidBreakdown).reduce((a, b) => a + b, 0);
  expect(paidSum).toBeCloseTo(m.paidCoreHours, 6);
  expect(m.paidBreakdown["running jobs"]).toBeCloseTo(m.jobCoreHours, 6);
  expect(m.paidBreakdown.booting).toBeGreaterThan(0);
  // Every worker retired after its keep-alive: idle and draining time were paid.
  expect(m.paidBreakdown["idle VM (keep-alive)"]).toBeGreaterThan(0);
  expect(m.paidBreakdown.draining).toBeGreaterThan(0);
  expect(m.paidBreakdown["failed VMs"]).toBe(0);
});
