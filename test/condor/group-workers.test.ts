import { describe, expect, it } from "vitest";
import { parseAds } from "../../scheduler/condor/ad-stream.js";
import { groupWorkers } from "../../scheduler/condor/group-workers.js";
import { parseSlots } from "../../scheduler/condor/parse-slots.js";
import type { Slot } from "../../scheduler/condor/types.js";
import { readFixture } from "./helpers.js";

async function slotsOf(...names: string[]): Promise<Slot[]> {
  return parseSlots(names.flatMap((name) => parseAds(readFixture(name))));
}

function slot(overrides: Partial<Slot>): Slot {
  return {
    name: "slot1@h",
    machine: "h",
    slotType: "Partitionable",
    state: "Unclaimed",
    activity: "Idle",
    cpus: 2,
    memoryMb: 4096,
    draining: false,
    ...overrides,
  };
}

describe("groupWorkers", () => {
  it("sees the idle worker as idle", async () => {
    const workers = groupWorkers(await slotsOf("condor_status.idle.json"));
    expect(workers).toHaveLength(1);
    expect(workers[0]).toMatchObject({
      workerName: "cs-alberta-demo-vm-0001",
      machine: "vm.cloudscheduler.test",
      vmType: "demo-vm",
      runningJobs: 0,
      draining: false,
    });
  });

  it("counts the busy worker's dynamic slots, though its p-slot says Unclaimed/Idle", async () => {
    for (const name of ["condor_status.busy.json", "condor_status.projected.json"]) {
      const workers = groupWorkers(await slotsOf(name, "condor_status.startd-daemon-ad.json"));
      expect(workers).toHaveLength(1);
      expect(workers[0]?.runningJobs).toBe(2);
      expect(workers[0]?.slots.map((s) => s.name)).toEqual([
        "slot1@vm.cloudscheduler.test",
        "slot1_1@vm.cloudscheduler.test",
        "slot1_2@vm.cloudscheduler.test",
      ]);
    }
  });

  it("groups by CloudSchedulerVM, else by machine, in a stable order", () => {
    const workers = groupWorkers([
      slot({ name: "slot1@z", machine: "z" }),
      slot({
        name: "slot1_1@b",
        machine: "b",
        slotType: "Dynamic",
        workerName: "cs-b",
        state: "Claimed",
      }),
      slot({ name: "slot1@b", machine: "b", workerName: "cs-b", vmType: "demo-vm" }),
      slot({ name: "slot1@a", machine: "a", workerName: "cs-a" }),
      slot({ name: "slot1@y", machine: "y" }),
    ]);
    expect(workers.map((w) => [w.workerName, w.machine, w.runningJobs, w.slots.length])).toEqual([
      [undefined, "y", 0, 1],
      [undefined, "z", 0, 1],
      ["cs-a", "a", 0, 1],
      ["cs-b", "b", 1, 2],
    ]);
    expect(workers[3]?.vmType).toBe("demo-vm");
    expect(workers[0]).not.toHaveProperty("workerName");
  });

  it("counts claimed static slots as running jobs, unclaimed ones not", () => {
    const [worker] = groupWorkers([
      slot({ name: "slot1@s", machine: "s", slotType: "Static", state: "Claimed" }),
      slot({ name: "slot2@s", machine: "s", slotType: "Static", state: "Unclaimed" }),
      slot({ name: "slot3@s", machine: "s", slotType: "Static", state: "Claimed" }),
    ]);
    expect(worker?.runningJobs).toBe(2);
  });

  it("marks a worker draining when any of its slots is", () => {
    const [worker] = groupWorkers([
      slot({ state: "Drained", activity: "Retiring", draining: true }),
      slot({
        name: "slot1_1@h",
        slotType: "Dynamic",
        state: "Claimed",
        activity: "Retiring",
        draining: true,
      }),
    ]);
    expect(worker).toMatchObject({ draining: true, runningJobs: 1 });
    const [emptied] = groupWorkers([slot({ state: "Drained", activity: "Idle", draining: true })]);
    expect(emptied).toMatchObject({ draining: true, runningJobs: 0 });
  });

  it("gives no workers for no slots", () => {
    expect(groupWorkers([])).toEqual([]);
  });
});
