import { expect, test } from "vitest";
import { CloudUnreachableError, QuotaExceededError } from "../../scheduler/deploy/errors.js";
import type { PoolWorker } from "../../scheduler/pool/types.js";
import { EventQueue } from "../../scheduler/sim/event-queue.js";
import { seededRandom } from "../../scheduler/sim/random.js";
import { type CloudBehaviour, SimCloud } from "../../scheduler/sim/sim-cloud.js";
import { SimCondor } from "../../scheduler/sim/sim-condor.js";
import { exampleConfig, START } from "./world.js";

const config = exampleConfig();
const victoria = config.clouds.victoria as NonNullable<(typeof config.clouds)["victoria"]>; // 6 instances, 24 cores

function worker(n: number, cores = 4): PoolWorker {
  return {
    name: `cs-victoria-four-core-${String(n).padStart(4, "0")}`,
    vmType: "four-core",
    image: "debian-12-condor",
    flavor: "c4.large",
    cores,
    ramMb: 8192,
    diskGb: 40,
    state: "booting",
    createdAt: START,
    keepAliveSeconds: 300,
  };
}

function world(behaviour: Partial<CloudBehaviour> = {}) {
  const events = new EventQueue(START);
  const condor = new SimCondor(events);
  const full: CloudBehaviour = {
    bootTime: { kind: "fixed", seconds: 120 },
    apiErrorRate: 0,
    instanceErrorRate: 0,
    neverJoinRate: 0,
    ...behaviour,
  };
  const cloud = new SimCloud(events, condor, seededRandom(7), () => full);
  const up = (workers: PoolWorker[]) =>
    cloud.up({ cloudName: "victoria", cloud: victoria, config, workers });
  return { events, condor, cloud, up };
}

test("instances boot after the boot time and join HTCondor as their worker", async () => {
  const { events, condor, cloud, up } = world();
  const result = await up([worker(1), worker(2)]);
  expect(result.changes).toEqual({ create: 2, update: 0, delete: 0, same: 0 });
  expect(cloud.statusOf("victoria", worker(1).name)).toBe("BUILD");
  events.advanceTo(START + 119);
  expect(condor.startdsNow()).toEqual([]);
  events.advanceTo(START + 120);
  expect(
    condor
      .startdsNow()
      .map((s) => s.workerName)
      .sort(),
  ).toEqual([worker(1).name, worker(2).name]);
  expect((await cloud.instances("victoria")).map((i) => i.status)).toEqual(["ACTIVE", "ACTIVE"]);
});

test("quota like Nova: the create over quota fails the up, those before it exist, no delete happens", async () => {
  const { cloud, up } = world();
  await up([worker(1), worker(2)]);
  // 6 more workers: the 7th instance is over quota (6 instances, 24 cores).
  const wanted = [3, 4, 5, 6, 7, 8].map((n) => worker(n));
  await expect(up(wanted)).rejects.toBeInstanceOf(QuotaExceededError);
  await expect(up(wanted)).rejects.toThrow(
    /Quota exceeded for instances: Requested 1, but already used 6 of 6 instances/,
  );
  // Workers 1 and 2 were not deleted (deletes come after creates), 3-6 were created.
  expect((await cloud.instances("victoria")).map((i) => i.name.slice(-4))).toEqual([
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
  ]);
  expect(cloud.usageOf("victoria")).toEqual({ instances: 6, cores: 24, ramMb: 6 * 8192 });
  expect(cloud.counters.quotaHits).toBe(2);
  // The next up without the failed ones deletes what is no longer wanted.
  await up([3, 4, 5, 6].map((n) => worker(n)));
  expect(cloud.usageOf("victoria").instances).toBe(4);
});

test("billing: cores x seconds from the create request to the delete", async () => {
  const { events, cloud, up } = world();
  await up([worker(1)]);
  events.advanceTo(START + 3600);
  await up([]);
  events.advanceTo(START + 7200);
  expect(cloud.paidCoreSeconds(events.now())).toBe(4 * 3600);
  expect(cloud.paidCoreSeconds(events.now(), "alberta")).toBe(0);
});

test("failures: API errors change nothing; ERROR and never-joining instances never register", async () => {
  const api = world({ apiErrorRate: 1 });
  await expect(api.up([worker(1)])).rejects.toBeInstanceOf(CloudUnreachableError);
  expect(api.cloud.usageOf("victoria").instances).toBe(0);

  const broken = world({ instanceErrorRate: 1 });
  await broken.up([worker(1)]);
  broken.events.advanceTo(START + 600);
  expect(broken.cloud.statusOf("victoria", worker(1).name)).toBe("ERROR");
  expect(broken.condor.startdsNow()).toEqual([]);

  const lost = world({ neverJoinRate: 1 });
  await lost.up([worker(1)]);
  lost.events.advanceTo(START + 600);
  expect(lost.cloud.statusOf("victoria", worker(1).name)).toBe("ACTIVE");
  expect(lost.condor.startdsNow()).toEqual([]);
  expect(lost.cloud.counters.neverJoined).toBe(1);
});

test("is the simulator's CloudInventory: instances with their status, deletable by id", async () => {
  const { events, cloud, up } = world({ instanceErrorRate: 1 });
  await up([worker(1), worker(2)]);
  events.advanceTo(START + 120);
  const listed = await cloud.listWorkers("victoria");
  expect(listed.map((s) => [s.name, s.status, s.metadata.cloudscheduler])).toEqual([
    [worker(1).name, "ERROR", "worker"],
    [worker(2).name, "ERROR", "worker"],
  ]);
  await cloud.deleteServer("victoria", victoria, listed[0]?.id as string);
  expect((await cloud.listWorkers("victoria")).map((s) => s.name)).toEqual([worker(2).name]);
});
