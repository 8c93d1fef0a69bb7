// A small known world for the status tests: the example config, a last cycle with workers in
// every lifecycle state, jobs of several owners (one hostile), a cloud in back-off and a
// rejected config revision.
import { readFileSync } from "node:fs";
import type { Job, ObservedWorker, Slot } from "../../scheduler/condor/types.js";
import { parseConfig } from "../../scheduler/config/load.js";
import type { Config } from "../../scheduler/config/schema.js";
import type { CloudBackoffState } from "../../scheduler/deploy/backoff.js";
import { formatDecision } from "../../scheduler/plan/reasons.js";
import type { Decision } from "../../scheduler/plan/types.js";
import type { PoolWorker } from "../../scheduler/pool/types.js";
import { type CycleReport, emptyReport } from "../../scheduler/run/cycle.js";
import type { ConfigStatus } from "../../scheduler/status/snapshot.js";

/** 2026-11-25 10:06:40Z */
export const NOW = 1_795_601_200;

export const HOSTILE_OWNER = "\u001b[31mmallory<img src=x onerror=alert(1)>";

export function exampleConfig(): Config {
  const text = readFileSync(
    new URL("../fixtures/status/cloudscheduler.yaml", import.meta.url),
    "utf8",
  );
  return parseConfig(text, "cloudscheduler.yaml");
}

export function poolWorker(name: string, fields: Partial<PoolWorker>): PoolWorker {
  const four = name.includes("four-core");
  return {
    name,
    vmType: four ? "four-core" : "demo-vm",
    image: four ? "debian-12-condor" : "cernvm-demo",
    flavor: four ? "c4.large" : "m1.small",
    cores: four ? 4 : 2,
    ramMb: four ? 16384 : 4096,
    diskGb: 20,
    state: "registered",
    createdAt: NOW - 3600,
    keepAliveSeconds: 600,
    ...fields,
  };
}

export function startd(
  workerName: string | undefined,
  running: number,
  draining = false,
): ObservedWorker {
  const machine = `${workerName ?? "stranger"}.cloud.test`;
  const slot = (name: string, slotType: Slot["slotType"]): Slot => ({
    name,
    machine,
    slotType,
    state: slotType === "Dynamic" ? "Claimed" : "Unclaimed",
    activity: slotType === "Dynamic" ? "Busy" : "Idle",
    cpus: 1,
    memoryMb: 2048,
    ...(workerName === undefined ? {} : { workerName }),
    draining,
  });
  const slots = [slot(`slot1@${machine}`, "Partitionable")];
  for (let i = 1; i <= running; i++) slots.push(slot(`slot1_${i}@${machine}`, "Dynamic"));
  return {
    ...(workerName === undefined ? {} : { workerName }),
    machine,
    vmType: "demo-vm",
    slots,
    runningJobs: running,
    draining,
  };
}

let jobNumber = 0;
export function job(
  owner: string,
  state: Job["state"],
  vmType: string | undefined,
  count = 1,
): Job[] {
  return Array.from({ length: count }, () => {
    jobNumber += 1;
    return {
      id: `${jobNumber}.0`,
      owner,
      state,
      queuedAt: NOW - 600,
      stateSince: NOW - 300,
      requestCpus: 1,
      requestMemoryMb: 1024,
      requestDiskKb: 1_048_576,
      priority: 0,
      ...(vmType === undefined ? {} : { vmType }),
    };
  });
}

export function knownPools(): Record<string, PoolWorker[]> {
  return {
    alberta: [
      poolWorker("cs-alberta-demo-vm-0001", { createdAt: NOW - 3600, idleSince: NOW }),
      poolWorker("cs-alberta-demo-vm-0002", { createdAt: NOW - 1800, idleSince: NOW - 300 }),
      poolWorker("cs-alberta-demo-vm-0003", { state: "booting", createdAt: NOW }),
      poolWorker("cs-alberta-four-core-0001", {
        state: "draining",
        createdAt: NOW - 7200,
        drainStartedAt: NOW - 120,
      }),
    ],
    victoria: [
      poolWorker("cs-victoria-demo-vm-0001", { state: "failed", createdAt: NOW - 1000 }),
      poolWorker("cs-victoria-demo-vm-0002", { createdAt: NOW - 90_000 }),
    ],
  };
}

const decisions: Decision[] = [
  {
    kind: "boot",
    cloud: "alberta",
    vmType: "demo-vm",
    workers: ["cs-alberta-demo-vm-0003"],
    count: 1,
    reason: "boot 1 demo-vm for 4 idle jobs",
  },
  {
    kind: "keep-alive",
    cloud: "alberta",
    vmType: "demo-vm",
    workers: ["cs-alberta-demo-vm-0002"],
    seconds: 600,
    reason: "idle for 5m, kept for its 10m keep-alive",
  },
  {
    kind: "draining",
    cloud: "alberta",
    vmType: "four-core",
    workers: ["cs-alberta-four-core-0001"],
    reason: "draining, still runs 1 job",
  },
  {
    kind: "not-ours",
    machine: "stranger.cloud.test",
    reason: "startd stranger.cloud.test was not booted by cloudscheduler: left alone",
  },
];

export function knownReport(): CycleReport {
  return {
    ...emptyReport("3f2a1c9d0e8b7a6f5e4d3c2b1a09f8e7d6c5b4a3", NOW - 2),
    jobs: { total: 8, idle: 4, running: 3 },
    workersObserved: 5,
    observation: {
      jobs: [
        ...job("guest", "idle", "demo-vm", 3),
        ...job("guest", "running", "demo-vm", 2),
        ...job("alice", "running", "four-core"),
        ...job("bob", "held", undefined),
        ...job(HOSTILE_OWNER, "idle", "demo-vm"),
      ],
      workers: [
        startd("cs-alberta-demo-vm-0001", 2),
        startd("cs-alberta-demo-vm-0002", 0),
        startd("cs-alberta-four-core-0001", 1, true),
        startd("cs-victoria-demo-vm-0001", 0),
        startd(undefined, 0),
      ],
    },
    plan: {
      pools: knownPools(),
      retire: [],
      decisions,
      rejectedJobs: [
        {
          jobId: "9.0",
          owner: "bob",
          reason: 'asks for VM type "gpu-huge", which no cloud offers',
        },
      ],
      summary: { alberta: "alberta: +1 demo-vm for 4 idle jobs" },
    },
    pools: knownPools(),
    retired: [],
    retireFailures: [],
    commit: "77aa88bb",
    deploys: [
      { cloud: "alberta", ok: true, changes: { create: 1, update: 0, delete: 0, same: 3 } },
      {
        cloud: "victoria",
        ok: false,
        errorKind: "quota-exceeded",
        error: "victoria: quota exceeded: Quota exceeded for instances",
      },
    ],
    destroyed: [],
    durationMs: 1234,
  };
}

export const knownBackoff: CloudBackoffState[] = [
  {
    cloud: "victoria",
    failures: 2,
    until: NOW + 60,
    lastErrorKind: "quota-exceeded",
    lastError: "victoria: quota exceeded: Quota exceeded for instances",
  },
];

export const knownConfigStatus: ConfigStatus = {
  revision: "3f2a1c9d0e8b7a6f5e4d3c2b1a09f8e7d6c5b4a3",
  loadedAt: NOW - 86_400,
  rejected: {
    revision: "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d",
    at: NOW - 30,
    problems: [
      {
        file: "cloudscheduler.yaml",
        line: 12,
        column: 17,
        path: "clouds.alberta.quota.cores",
        message: "expected a positive integer",
      },
    ],
  },
};

export { formatDecision };
