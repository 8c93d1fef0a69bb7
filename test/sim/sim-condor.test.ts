import { expect, test } from "vitest";
import { CondorMachineNotFoundError } from "../../scheduler/condor/errors.js";
import { EventQueue } from "../../scheduler/sim/event-queue.js";
import { SIM_DOMAIN, SimCondor } from "../../scheduler/sim/sim-condor.js";
import { demoJob, START } from "./world.js";

function world() {
  const events = new EventQueue(START);
  return { events, condor: new SimCondor(events) };
}

test("an empty pool prints 0 bytes, like HTCondor, and parses as no jobs and no workers", async () => {
  const { condor } = world();
  expect(condor.renderQueue()).toBe("");
  expect(condor.renderStatus()).toBe("");
  expect(await condor.jobs()).toEqual([]);
  expect(await condor.workers()).toEqual([]);
});

test("the real adapter parses back exactly the simulated state: idle and running jobs, p-slot and dynamic slots", async () => {
  const { events, condor } = world();
  for (let i = 0; i < 3; i++) condor.submit(demoJob(i, { runtime: 600 + i }));
  condor.join({
    workerName: "cs-alberta-demo-vm-0001",
    vmType: "demo-vm",
    cores: 2,
    memoryMb: 4096,
  });
  events.advanceTo(START + 30);
  const text = condor.renderQueue();
  expect(text.startsWith('[\n{\n  "ClusterId": 1,\n')).toBe(true);
  expect(text).toContain("\n}\n,\n{\n");
  const jobs = await condor.jobs();
  expect(
    jobs.map((j) => [j.id, j.state, j.requestCpus, j.requestMemoryMb, j.vmType, j.remoteHost]),
  ).toEqual([
    ["1.0", "running", 1, 1024, "demo-vm", `slot1_1@cs-alberta-demo-vm-0001.${SIM_DOMAIN}`],
    ["2.0", "running", 1, 1024, "demo-vm", `slot1_2@cs-alberta-demo-vm-0001.${SIM_DOMAIN}`],
    ["3.0", "idle", 1, 1024, "demo-vm", undefined],
  ]);
  const [worker, ...others] = await condor.workers();
  expect(others).toEqual([]);
  expect(worker).toMatchObject({
    workerName: "cs-alberta-demo-vm-0001",
    vmType: "demo-vm",
    runningJobs: 2,
    draining: false,
  });
  expect(worker?.slots.map((s) => [s.slotType, s.cpus, s.memoryMb])).toEqual([
    ["Partitionable", 0, 2048],
    ["Dynamic", 1, 1024],
    ["Dynamic", 1, 1024],
  ]);
  // Job 1 ends at +600: job 3 takes its place, and job 1 leaves the queue.
  events.advanceTo(START + 600);
  expect((await condor.jobs()).map((j) => [j.id, j.state])).toEqual([
    ["2.0", "running"],
    ["3.0", "running"],
  ]);
  expect(condor.finished.map((j) => [j.id, j.startedAt - START, j.finishedAt - START])).toEqual([
    ["0", 0, 600],
  ]);
});

test("drain: no new matches, running jobs finish, the empty startd stays as Drained/Idle", async () => {
  const { events, condor } = world();
  condor.submit(demoJob(1, { runtime: 100 }));
  const machine = condor.join({
    workerName: "cs-a-demo-vm-0001",
    vmType: "demo-vm",
    cores: 2,
    memoryMb: 4096,
  });
  await condor.drain(machine, "cloudscheduler: idle");
  condor.submit(demoJob(2));
  expect((await condor.jobs()).map((j) => j.state)).toEqual(["running", "idle"]);
  let [w] = await condor.workers();
  expect(w).toMatchObject({ draining: true, runningJobs: 1 });
  expect(w?.slots[0]).toMatchObject({ state: "Drained", activity: "Retiring" });
  events.advanceTo(START + 100);
  [w] = await condor.workers();
  expect(w).toMatchObject({ draining: true, runningJobs: 0 });
  expect(w?.slots[0]).toMatchObject({ state: "Drained", activity: "Idle" });
  expect((await condor.jobs()).map((j) => j.state)).toEqual(["idle"]);
  await expect(condor.drain(`nosuch.${SIM_DOMAIN}`, "x")).rejects.toBeInstanceOf(
    CondorMachineNotFoundError,
  );
});

test("peaceful off: ads unchanged while jobs run, then the startd vanishes; off on a gone startd succeeds", async () => {
  const { events, condor } = world();
  condor.submit(demoJob(1, { runtime: 100 }));
  const machine = condor.join({
    workerName: "cs-a-demo-vm-0001",
    vmType: "demo-vm",
    cores: 2,
    memoryMb: 4096,
  });
  await condor.peacefulOff(machine);
  condor.submit(demoJob(2));
  const [w] = await condor.workers();
  expect(w).toMatchObject({ draining: false, runningJobs: 1 });
  events.advanceTo(START + 100);
  expect(await condor.workers()).toEqual([]);
  expect((await condor.jobs()).map((j) => j.state)).toEqual(["idle"]);
  await expect(condor.peacefulOff(machine)).resolves.toBeUndefined();
});

test("a worker that vanishes under a job sends it back to idle and counts the eviction", async () => {
  const { condor } = world();
  condor.submit(demoJob(1));
  condor.join({ workerName: "cs-a-demo-vm-0001", vmType: "demo-vm", cores: 2, memoryMb: 4096 });
  condor.vanish("cs-a-demo-vm-0001");
  expect(condor.counters.evicted).toBe(1);
  expect((await condor.jobs())[0]?.state).toBe("idle");
});
