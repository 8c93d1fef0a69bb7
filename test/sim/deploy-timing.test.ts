// Deploys take simulated time, from the measured table: the world moves on during an up, and
// the next cycle starts a cycle after the up ended, as in the daemon.
import { expect, test } from "vitest";
import type { PoolWorker } from "../../scheduler/pool/types.js";
import { interpolate, MEASURED_TIMING, upSchedule } from "../../scheduler/sim/deploy-timing.js";
import { EventQueue } from "../../scheduler/sim/event-queue.js";
import { seededRandom } from "../../scheduler/sim/random.js";
import { type CloudBehaviour, SimCloud } from "../../scheduler/sim/sim-cloud.js";
import { SimCondor } from "../../scheduler/sim/sim-condor.js";
import { simulate } from "../../scheduler/sim/simulate.js";
import { demoJob, exampleConfig, START } from "./world.js";

const config = exampleConfig();

test("the model reproduces every measured up and interpolates between them", () => {
  for (const u of MEASURED_TIMING.ups) {
    expect(upSchedule(MEASURED_TIMING, u.before, u.create, u.delete).total).toBeCloseTo(
      u.seconds,
      6,
    );
  }
  // Between measured stack sizes a no-change up costs in between.
  const at100 = upSchedule(MEASURED_TIMING, 100, 0, 0).total;
  expect(at100).toBeGreaterThan(3.1);
  expect(at100).toBeLessThan(9.8);
  expect(
    interpolate(
      [
        [0, 1],
        [10, 2],
      ],
      5,
    ),
  ).toBe(1.5);
  expect(
    interpolate(
      [
        [0, 1],
        [10, 2],
      ],
      20,
    ),
  ).toBe(3);
});

function worker(n: number): PoolWorker {
  return {
    name: `cs-alberta-demo-vm-${String(n).padStart(4, "0")}`,
    vmType: "demo-vm",
    image: "cernvm-demo",
    flavor: "m1.small",
    cores: 2,
    ramMb: 4096,
    diskGb: 20,
    state: "booting",
    createdAt: START,
    keepAliveSeconds: 600,
  };
}

test("an up of 10 creates takes 29 s of simulated time; creates go out one after another; events run meanwhile", async () => {
  const events = new EventQueue(START);
  const condor = new SimCondor(events);
  const behaviour: CloudBehaviour = {
    bootTime: { kind: "fixed", seconds: 100 },
    timing: MEASURED_TIMING,
    apiErrorRate: 0,
    instanceErrorRate: 0,
    neverJoinRate: 0,
  };
  const cloud = new SimCloud(events, condor, seededRandom(1), () => behaviour);
  let ranAt: number | undefined;
  events.at(START + 10, () => {
    ranAt = events.now();
  });
  const alberta = config.clouds.alberta as NonNullable<(typeof config.clouds)["alberta"]>;
  const workers = Array.from({ length: 10 }, (_, i) => worker(i + 1));
  await cloud.up({ cloudName: "alberta", cloud: alberta, config, workers });
  expect(events.now()).toBeCloseTo(START + 29.0, 6);
  expect(ranAt).toBe(START + 10);
  // Billing starts at each create request: the first early, the last near the end of the up.
  const paid = cloud.paidCoreSeconds(events.now());
  expect(paid).toBeGreaterThan(2 * 10);
  expect(paid).toBeLessThan(2 * 10 * 29);
  // A delete is billed until it is done.
  const t0 = events.now();
  await cloud.up({ cloudName: "alberta", cloud: alberta, config, workers: workers.slice(1) });
  expect(events.now() - t0).toBeGreaterThan(3);
});

test("cycles follow the daemon: the next starts policy.cycle after the previous one's ups ended", async () => {
  const jobs = Array.from({ length: 8 }, (_, i) => demoJob(i, { runtime: 900 }));
  const starts: { at: number; ended: number; changed: number }[] = [];
  const r = await simulate({
    config,
    jobs,
    seed: 4,
    exact: true,
    onCycle: (report, world) =>
      void starts.push({
        at: report.startedAt,
        ended: world.events.now(),
        changed: report.deploys.reduce(
          (n, d) => n + (d.changes?.create ?? 0) + (d.changes?.delete ?? 0),
          0,
        ),
      }),
  });
  expect(r.metrics.jobs.unfinished).toBe(0);
  const booting = starts.find((s) => s.changed > 0) as (typeof starts)[number];
  expect(booting.ended - booting.at).toBeGreaterThan(5);
  for (let i = 1; i < starts.length; i++) {
    const prev = starts[i - 1] as (typeof starts)[number];
    expect((starts[i] as (typeof starts)[number]).at).toBeCloseTo(
      prev.ended + config.policy.cycle,
      6,
    );
  }
  expect(r.world.cloud.deploySeconds).toBeGreaterThan(0);
});
