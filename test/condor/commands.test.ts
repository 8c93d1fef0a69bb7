import { describe, expect, it } from "vitest";
import {
  cleanReason,
  condorDrainArgs,
  condorOffArgs,
  condorQArgs,
  condorStatusArgs,
  condorStatusOfWorkersArgs,
  isMachineName,
} from "../../scheduler/condor/commands.js";
import { InvalidMachineNameError } from "../../scheduler/condor/errors.js";
import { thrown } from "./helpers.js";

const local = { timeout: 30 };
const remote = { timeout: 30, pool: "cm.example.org:9618", schedd: "schedd@submit.example.org" };

describe("command lines", () => {
  it("narrows condor_status to the ads naming given workers, refusing any other name", () => {
    const args = condorStatusOfWorkersArgs(local, ["cs-a-vm-0001", "cs-a-vm-0002"]);
    expect(args.slice(0, 2)).toEqual(["-any", "-constraint"]);
    expect(args[2]).toBe(
      '(MyType == "Machine" || MyType == "StartD") && (member(CloudSchedulerVM, {"cs-a-vm-0001", "cs-a-vm-0002"}) || regexp("^(cs-a-vm-0001|cs-a-vm-0002)([.]|$)", Machine))',
    );
    for (const bad of ['cs-a") || true || ("', "cs-a.*", "x"]) {
      expect(() => condorStatusOfWorkersArgs(local, [bad])).toThrow(/not a worker name/);
    }
  });

  it("condor_q: -allusers, -json and the projection; -pool / -name only when configured", () => {
    const args = condorQArgs(local);
    expect(args.slice(0, 3)).toEqual(["-allusers", "-json", "-attributes"]);
    expect(args).toHaveLength(4);
    const attributes = (args[3] as string).split(",");
    for (const name of [
      "ClusterId",
      "ProcId",
      "JobStatus",
      "Owner",
      "RequestMemory",
      "ImageSize",
      "MemoryUsage",
      "DiskUsage",
      "VMType",
      "TargetClouds",
    ]) {
      expect(attributes).toContain(name);
    }
    expect(args).not.toContain("-global");
    expect(condorQArgs(remote).slice(0, 6)).toEqual([
      "-pool",
      "cm.example.org:9618",
      "-name",
      "schedd@submit.example.org",
      "-allusers",
      "-json",
    ]);
  });

  it("condor_status: slot and StartD daemon ads, -json and the projection, -pool when configured (schedd is not its business)", () => {
    expect(condorStatusArgs(local).slice(0, 5)).toEqual([
      "-any",
      "-constraint",
      'MyType == "Machine" || MyType == "StartD"',
      "-json",
      "-attributes",
    ]);
    expect(condorStatusArgs(remote).slice(0, 3)).toEqual(["-pool", "cm.example.org:9618", "-any"]);
    expect(condorStatusArgs(remote)).not.toContain("-name");
    expect((condorStatusArgs(local)[5] as string).split(",")).toEqual(
      expect.arrayContaining([
        "Name",
        "Machine",
        "MyType",
        "SlotType",
        "CloudSchedulerVM",
        "Draining",
        "SlotBrokenCode",
        "SlotBrokenReason",
      ]),
    );
  });

  it("condor_drain and condor_off", () => {
    expect(condorDrainArgs(remote, "vm.cloudscheduler.test", "idle 10m")).toEqual([
      "-pool",
      "cm.example.org:9618",
      "-graceful",
      "-reason",
      "idle 10m",
      "vm.cloudscheduler.test",
    ]);
    expect(condorOffArgs(local, "vm.cloudscheduler.test")).toEqual([
      "-peaceful",
      "-startd",
      "-name",
      "vm.cloudscheduler.test",
    ]);
  });

  it("refuses anything but a host name as the machine", () => {
    for (const bad of [
      "-all",
      "--help",
      "",
      "a b",
      "vm;rm -rf",
      "vm\nx",
      "-name",
      "a..b",
      "a.-b",
      "slot1@vm",
      "x".repeat(64),
      "$(id)",
    ]) {
      expect(
        thrown(() => condorDrainArgs(local, bad, "r")),
        JSON.stringify(bad),
      ).toBeInstanceOf(InvalidMachineNameError);
      expect(
        thrown(() => condorOffArgs(local, bad)),
        JSON.stringify(bad),
      ).toBeInstanceOf(InvalidMachineNameError);
    }
    for (const good of [
      "vm.cloudscheduler.test",
      "cs-alberta-demo-vm-0001.novalocal",
      "h",
      "10.0.0.7",
    ]) {
      expect(isMachineName(good), good).toBe(true);
    }
  });

  it("keeps the drain reason one short printable line", () => {
    expect(cleanReason("idle\n10m\u0007 ")).toBe("idle 10m");
    expect(cleanReason("x".repeat(500))).toHaveLength(200);
    expect(cleanReason("\n")).toBe("cloudscheduler");
  });
});
