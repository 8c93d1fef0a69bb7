import { describe, expect, it } from "vitest";
import { matchJobs } from "../../scheduler/plan/match.js";
import { exampleConfig, idleJob } from "./world.js";

const config = exampleConfig();

describe("matchJobs", () => {
  it("takes only idle jobs with a VM type as demand", () => {
    const result = matchJobs(config, [
      idleJob({ id: "1.0" }),
      idleJob({ id: "2.0", state: "running" }),
      idleJob({ id: "3.0", state: "held" }),
      idleJob({ id: "4.0", vmType: undefined }),
    ]);
    expect(result.rejected).toEqual([]);
    expect(result.groups.map((g) => g.jobs.map((j) => j.job.id))).toEqual([["1.0"]]);
    expect(result.groups[0]?.shape.key).toBe("demo-vm|cernvm-demo|m1.small");
    expect(result.groups[0]?.clouds).toEqual(["alberta", "victoria"]);
  });

  it("rejects an unknown VM type, quoting the untrusted name", () => {
    const hostile = `demo-vm"\n#cloud-config\nruncmd: [rm -rf /]${"x".repeat(100)}`;
    const { rejected } = matchJobs(config, [idleJob({ id: "5.0", owner: "eve", vmType: hostile })]);
    expect(rejected).toHaveLength(1);
    const reason = rejected[0]?.reason ?? "";
    expect(reason).toMatch(/^unknown VM type "demo-vm\\"\\n#cloud-config\\nruncmd/);
    expect(reason).not.toContain("\n");
    expect(reason).toContain("... (");
    expect(reason).toContain("VM types are: demo-vm, four-core");
    expect(rejected[0]?.owner).toBe("eve");
  });

  it("rejects requests no VM type can hold", () => {
    const { rejected } = matchJobs(config, [
      idleJob({ id: "1.0", requestCpus: 1e9 }),
      idleJob({ id: "2.0", vmMemoryMb: 10 ** 12 }),
      idleJob({ id: "3.0", requestDiskKb: 21 * 1024 * 1024 }),
      idleJob({ id: "4.0", vmStorageGb: 21 }),
      idleJob({ id: "5.0", requestMemoryMb: Number.NaN }),
      idleJob({ id: "6.0", vmCores: 3 }),
    ]);
    expect(rejected.map((r) => r.reason)).toEqual([
      "RequestCpus 1000000000 cores does not fit VM type demo-vm (2 cores)",
      "+VMMem 1000000000000 MiB does not fit VM type demo-vm (4096 MiB)",
      "RequestDisk 22020096 KiB does not fit VM type demo-vm (20971520 KiB)",
      "+VMStorage 21 GB does not fit VM type demo-vm (20 GB)",
      'RequestMemory "NaN" is not a size',
      "+VMCPUCores 3 cores does not fit VM type demo-vm (2 cores)",
    ]);
  });

  it("lets +VMAMI / +VMInstanceType pick an image or flavor a cloud allows", () => {
    const custom = structuredClone(config);
    (custom.clouds.victoria as { images: string[] }).images.push("special-image");
    const result = matchJobs(custom, [
      idleJob({ id: "1.0", vmImage: "special-image" }),
      idleJob({ id: "2.0", vmFlavor: "c4.large" }),
      idleJob({ id: "3.0", vmImage: "/etc/passwd" }),
    ]);
    expect(result.groups.map((g) => [g.shape.key, g.clouds])).toEqual([
      ["demo-vm|cernvm-demo|c4.large", ["alberta", "victoria"]],
      ["demo-vm|special-image|m1.small", ["victoria"]],
    ]);
    expect(result.rejected).toEqual([
      {
        jobId: "3.0",
        owner: "guest",
        reason: 'no cloud of alberta, victoria allows image "/etc/passwd" and flavor "m1.small"',
      },
    ]);
  });

  it("restricts clouds by +TargetClouds and VM type clouds, and skips disabled clouds", () => {
    const custom = structuredClone(config);
    (custom.clouds.alberta as { enabled: boolean }).enabled = false;
    const result = matchJobs(custom, [
      idleJob({ id: "1.0", targetClouds: ["victoria", "nowhere"] }),
      idleJob({ id: "2.0", targetClouds: ["alberta"] }),
      idleJob({ id: "3.0", targetClouds: ["evil\u202ecloud"] }),
    ]);
    expect(result.groups.map((g) => g.clouds)).toEqual([["victoria"]]);
    expect(result.rejected.map((r) => r.reason)).toEqual([
      'no enabled cloud is in +TargetClouds ["alberta"]',
      'no enabled cloud is in +TargetClouds ["evil\\u202ecloud"]',
    ]);
  });

  it("groups jobs by shape and eligible clouds, so packing never mixes them", () => {
    const result = matchJobs(config, [
      idleJob({ id: "1.0" }),
      idleJob({ id: "2.0", targetClouds: ["alberta"] }),
      idleJob({ id: "3.0", vmType: "four-core" }),
      idleJob({ id: "4.0" }),
    ]);
    expect(result.groups.map((g) => [g.key, g.jobs.length])).toEqual([
      ["demo-vm|cernvm-demo|m1.small|alberta", 1],
      ["demo-vm|cernvm-demo|m1.small|alberta,victoria", 2],
      ["four-core|debian-12-condor|c4.large|alberta,victoria", 1],
    ]);
  });

  it("caps a job's +VMKeepAlive at a day and rounds cpus up", () => {
    const result = matchJobs(config, [
      idleJob({ id: "1.0", vmKeepAliveMinutes: 1e9, requestCpus: 0.5 }),
    ]);
    const demand = result.groups[0]?.jobs[0];
    expect(demand?.keepAliveSeconds).toBe(86_400);
    expect(demand?.size.cores).toBe(1);
  });
});

describe("+VMInstanceType sizes the worker from config.flavors", () => {
  it("boots the bigger flavor the job names, with that flavor's size", () => {
    const { groups, rejected } = matchJobs(config, [
      idleJob({
        id: "7.0",
        vmFlavor: "m1.large",
        requestCpus: 4,
        requestMemoryMb: 8192,
        vmCores: 4,
      }),
    ]);
    expect(rejected).toEqual([]);
    expect(groups[0]?.shape).toMatchObject({
      flavor: "m1.large",
      cores: 4,
      ramMb: 8192,
      diskGb: 40,
    });
  });

  it("rejects a flavor whose size the config does not know", () => {
    const { rejected } = matchJobs({ ...config, flavors: {} }, [
      idleJob({ id: "8.0", vmFlavor: "m1.large" }),
    ]);
    expect(rejected[0]?.reason).toBe(
      '+VMInstanceType "m1.large" has no size in cloudscheduler.yaml flavors; add it there to plan it',
    );
  });
});
