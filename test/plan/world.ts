// Builders for small hand-made worlds: the bundled example config, jobs, pool workers, startds.
import { readFileSync } from "node:fs";
import type { Job, ObservedWorker, Slot } from "../../scheduler/condor/types.js";
import { parseConfig } from "../../scheduler/config/load.js";
import type { Config } from "../../scheduler/config/schema.js";
import type { PlanInput } from "../../scheduler/plan/types.js";
import type { PoolWorker } from "../../scheduler/pool/types.js";
import type { StateWorker } from "../../scheduler/state/types.js";

export const NOW = 1_795_596_400;

const exampleText = readFileSync(
  new URL("../../examples/site/cloudscheduler.yaml", import.meta.url),
  "utf8",
);

/** The bundled example: alberta (weight 2, 10 instances / 40 cores) and victoria (6 / 24). */
export function exampleConfig(): Config {
  return parseConfig(exampleText, "cloudscheduler.yaml");
}

let nextJob = 0;
export function idleJob(fields: Partial<Job> = {}): Job {
  nextJob += 1;
  return {
    id: `${100 + nextJob}.0`,
    owner: "guest",
    state: "idle",
    queuedAt: NOW - 600,
    stateSince: NOW - 600,
    requestCpus: 1,
    requestMemoryMb: 1024,
    requestDiskKb: 1_048_576,
    priority: 0,
    vmType: "demo-vm",
    ...fields,
  };
}

export function jobs(count: number, fields: Partial<Job> = {}): Job[] {
  return Array.from({ length: count }, () => idleJob(fields));
}

export function poolWorker(name: string, fields: Partial<PoolWorker> = {}): PoolWorker {
  return {
    name,
    vmType: "demo-vm",
    image: "cernvm-demo",
    flavor: "m1.small",
    cores: 2,
    ramMb: 4096,
    diskGb: 20,
    state: "registered",
    createdAt: NOW - 3600,
    idleSince: NOW - 60,
    keepAliveSeconds: 600,
    ...fields,
  };
}

/** A startd as the condor adapter reports it: `running` jobs, the rest of 2 cores free. */
export function startd(
  workerName: string | undefined,
  running: number,
  fields: Partial<ObservedWorker> = {},
  cores = 2,
): ObservedWorker {
  const machine = `${workerName ?? "stranger"}.cloud.test`;
  const slot = (name: string, slotType: Slot["slotType"], cpus: number): Slot => ({
    name,
    machine,
    slotType,
    state: slotType === "Dynamic" ? "Claimed" : "Unclaimed",
    activity: slotType === "Dynamic" ? "Busy" : "Idle",
    cpus,
    memoryMb: cpus * 2048,
    ...(workerName === undefined ? {} : { workerName }),
    draining: fields.draining ?? false,
  });
  const slots = [slot(`slot1@${machine}`, "Partitionable", Math.max(0, cores - running))];
  for (let i = 1; i <= running; i++) slots.push(slot(`slot1_${i}@${machine}`, "Dynamic", 1));
  return {
    ...(workerName === undefined ? {} : { workerName }),
    machine,
    vmType: "demo-vm",
    slots,
    runningJobs: running,
    draining: false,
    ...fields,
  };
}

export function world(fields: Partial<PlanInput> = {}): PlanInput {
  return {
    config: exampleConfig(),
    jobs: [],
    workers: [],
    pools: {},
    now: NOW,
    unavailableClouds: new Set(),
    ...fields,
  };
}

/** The model of one pool worker as buildFleet makes it, for tests of one decision. */
export function stateWorker(
  cloud: string,
  entry: PoolWorker,
  ads: ObservedWorker | undefined,
  extra: Partial<StateWorker> = {},
): StateWorker {
  const queueJobs = extra.queueJobs ?? 0;
  return {
    cloud,
    entry,
    ads,
    queueJobs,
    runningJobs: Math.max(ads?.runningJobs ?? 0, queueJobs),
    jobKeepAliveSeconds: 0,
    servers: undefined,
    brokenSlots: [],
    expectedLaunch: undefined,
    drifted: false,
    retireHold: undefined,
    createInterrupted: false,
    ...extra,
  };
}
