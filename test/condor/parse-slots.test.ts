import { describe, expect, it } from "vitest";
import { parseAds } from "../../scheduler/condor/ad-stream.js";
import { CondorParseError } from "../../scheduler/condor/errors.js";
import { groupWorkers } from "../../scheduler/condor/group-workers.js";
import {
  isSlotAd,
  parseSlot,
  parseSlots,
  parseStatus,
} from "../../scheduler/condor/parse-slots.js";
import { readAds } from "../support/condor-world.js";
import { readFixture, thrown } from "./helpers.js";

describe("parseSlots on real condor_status output", () => {
  it("reads the idle worker's partitionable slot", async () => {
    const slots = await parseSlots(parseAds(readFixture("condor_status.idle.json")));
    const [raw] = readAds("condor_status.idle.json");
    expect(slots).toEqual([
      {
        name: "slot1@vm.cloudscheduler.test",
        machine: "vm.cloudscheduler.test",
        slotType: "Partitionable",
        state: "Unclaimed",
        activity: "Idle",
        cpus: 2,
        memoryMb: 4096,
        workerName: "cs-alberta-demo-vm-0001",
        vmType: "demo-vm",
        draining: false,
        lastHeardFrom: raw?.LastHeardFrom,
        // Who the collector authenticated as the sender: the worker's own token.
        authenticatedIdentity: "cs-alberta-demo-vm-0001@workers.cloudscheduler",
        // When its life ends (its START takes no job after it).
        lifeEndsAt: raw?.CloudSchedulerLifeEnds,
      },
    ]);
  });

  it.each(["condor_status.busy.json", "condor_status.projected.json"])(
    "reads the busy worker's p-slot and two dynamic slots from %s",
    async (name) => {
      const slots = await parseSlots(parseAds(readFixture(name)));
      expect(slots.map((s) => [s.name, s.slotType, s.state, s.activity, s.cpus])).toEqual([
        ["slot1@vm.cloudscheduler.test", "Partitionable", "Unclaimed", "Idle", 0],
        ["slot1_1@vm.cloudscheduler.test", "Dynamic", "Claimed", "Busy", 1],
        ["slot1_2@vm.cloudscheduler.test", "Dynamic", "Claimed", "Busy", 1],
      ]);
      expect(new Set(slots.map((s) => s.workerName))).toEqual(new Set(["cs-alberta-demo-vm-0001"]));
    },
  );

  it("never counts HTCondor 25's per-daemon StartD ad as a slot", async () => {
    const [daemon] = parseAds(readFixture("condor_status.startd-daemon-ad.json"));
    expect(isSlotAd(daemon as Record<string, unknown>)).toBe(false);
    const mixed = [
      ...parseAds(readFixture("condor_status.busy.json")),
      ...parseAds(readFixture("condor_status.startd-daemon-ad.json")),
    ];
    expect(await parseSlots(mixed)).toHaveLength(3);
    expect(await parseSlots(parseAds(readFixture("condor_status.startd-daemon-ad.json")))).toEqual(
      [],
    );
  });

  it("reads the StartD daemon ad's Name (what condor_off -name takes) beside the slots", async () => {
    const mixed = [
      ...parseAds(readFixture("condor_status.busy.json")),
      ...parseAds(readFixture("condor_status.startd-daemon-ad.json")),
    ];
    const { slots, startds } = await parseStatus(mixed);
    expect(slots).toHaveLength(3);
    expect(startds).toEqual([
      {
        name: "vm.cloudscheduler.test",
        machine: "vm.cloudscheduler.test",
        workerName: "cs-alberta-demo-vm-0001",
        // Recorded with the worker's own token (issue 17): its identity names the worker.
        authenticatedIdentity: "cs-alberta-demo-vm-0001@workers.cloudscheduler",
      },
    ]);
    const [worker] = groupWorkers(slots, startds);
    expect(worker).toMatchObject({
      workerName: "cs-alberta-demo-vm-0001",
      daemonName: "vm.cloudscheduler.test",
      runningJobs: 2,
    });
  });

  it("a startd whose daemon ad came without slot ads is still a (slotless) worker", async () => {
    const { slots, startds } = await parseStatus(
      parseAds(readFixture("condor_status.startd-daemon-ad.json")),
    );
    expect(groupWorkers(slots, startds)).toEqual([
      {
        workerName: "cs-alberta-demo-vm-0001",
        machine: "vm.cloudscheduler.test",
        daemonName: "vm.cloudscheduler.test",
        slots: [],
        runningJobs: 0,
        draining: false,
      },
    ]);
  });

  it("reads SlotBrokenCode and SlotBrokenReason (observation 6: broken slots looked healthy)", async () => {
    const [slot] = await parseSlots(
      parseAds(readFixture("synthetic.condor_status.broken-slot.json")),
    );
    expect(slot?.broken).toEqual({
      code: 1,
      reason: "Could not clean up the execute directory of slot1_1",
    });
    const [healthy] = await parseSlots(parseAds(readFixture("condor_status.idle.json")));
    expect(healthy?.broken).toBeUndefined();
  });
});

describe("parseSlot", () => {
  const base = {
    Name: "slot1@h.example",
    Machine: "h.example",
    SlotType: "Partitionable",
    State: "Unclaimed",
    Activity: "Idle",
  };

  it("sees draining from Draining = true or State Drained", () => {
    expect(parseSlot(base, 0).draining).toBe(false);
    expect(
      parseSlot({ ...base, Draining: true, State: "Drained", Activity: "Retiring" }, 0).draining,
    ).toBe(true);
    expect(parseSlot({ ...base, State: "Drained", Activity: "Idle" }, 0).draining).toBe(true);
    expect(parseSlot({ ...base, Draining: true }, 0).draining).toBe(true);
  });

  it("infers the slot type from PartitionableSlot / DynamicSlot when SlotType is absent", () => {
    const { SlotType: _unused, ...untyped } = base;
    expect(parseSlot({ ...untyped, PartitionableSlot: true }, 0).slotType).toBe("Partitionable");
    expect(parseSlot({ ...untyped, DynamicSlot: true }, 0).slotType).toBe("Dynamic");
    expect(parseSlot(untyped, 0).slotType).toBe("Static");
  });

  it("rejects a slot without Name or Machine, naming it", () => {
    const error = thrown(() => parseSlot({ ...base, Machine: 3 }, 2));
    expect(error).toBeInstanceOf(CondorParseError);
    expect(error.message).toBe("slot ad 2: Machine is missing or not a string");
  });
});
