import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CommandLineCondor } from "../../scheduler/condor/client.js";
import {
  CondorMachineNotFoundError,
  CondorParseError,
  CondorTimeoutError,
  CondorUnavailableError,
  InvalidMachineNameError,
  isRetireRefusal,
} from "../../scheduler/condor/errors.js";
import { JOB_ATTRIBUTES } from "../../scheduler/condor/parse-jobs.js";
import { SLOT_ATTRIBUTES, STATUS_CONSTRAINT } from "../../scheduler/condor/parse-slots.js";
import {
  fixture,
  readFixture,
  rejection,
  STANDIN_OPTIONS,
  StandinWorld,
  standinConfig,
} from "./helpers.js";

const JOB_PROJECTION = JOB_ATTRIBUTES.join(",");
const SLOT_PROJECTION = SLOT_ATTRIBUTES.join(",");
const STATUS_QUERY = ["-any", "-constraint", STATUS_CONSTRAINT];
const REMOTE = { pool: "cm.cloudscheduler.test:9618", schedd: "vm.cloudscheduler.test" };

let world: StandinWorld;
beforeEach(() => {
  world = new StandinWorld();
});
afterEach(() => world.remove());

function condor(env: Record<string, string>, overrides = {}): CommandLineCondor {
  return new CommandLineCondor(standinConfig(overrides), {
    ...STANDIN_OPTIONS,
    env: world.env(env),
  });
}

describe("CommandLineCondor.jobs", () => {
  it("runs condor_q -allusers -json with the projection and parses every job", async () => {
    const jobs = await condor({ CONDOR_STANDIN_Q: fixture("condor_q.all.json") }).jobs();
    expect(jobs).toHaveLength(12);
    expect(jobs[0]).toMatchObject({ id: "1.0", owner: "guest", state: "idle", vmType: "demo-vm" });
    expect(world.calls().map((c) => [c.tool, c.args])).toEqual([
      ["condor_q", ["-allusers", "-json", "-attributes", JOB_PROJECTION]],
    ]);
  });

  it("queries a remote pool and schedd with -pool and -name", async () => {
    await condor({ CONDOR_STANDIN_Q: fixture("condor_q.running.projected.json") }, REMOTE).jobs();
    expect(world.calls().map((c) => c.args)).toEqual([
      [
        "-pool",
        REMOTE.pool,
        "-name",
        REMOTE.schedd,
        "-allusers",
        "-json",
        "-attributes",
        JOB_PROJECTION,
      ],
    ]);
  });

  it("reads 0 bytes with exit 0 as an empty queue", async () => {
    expect(await condor({ CONDOR_STANDIN_Q: fixture("condor_q.empty.json") }).jobs()).toEqual([]);
  });

  it("never reads a failed or malformed answer as an empty queue", async () => {
    const down = await rejection(
      condor({
        CONDOR_STANDIN_Q: fixture("condor_q.empty.json"),
        CONDOR_STANDIN_Q_STDERR: fixture("condor_q.schedd-down.json.stderr"),
        CONDOR_STANDIN_Q_EXIT: "1",
      }).jobs(),
    );
    expect(down).toBeInstanceOf(CondorUnavailableError);
    expect(down.message).toContain(
      `condor_q -allusers -json -attributes ${JOB_PROJECTION}: HTCondor unavailable`,
    );
    expect(down.message).toContain("Error: Can't find address for schedd vm.cloudscheduler.test");

    const truncated = await rejection(
      condor({ CONDOR_STANDIN_Q: fixture("condor_q.truncated.json") }).jobs(),
    );
    expect(truncated).toBeInstanceOf(CondorParseError);
    expect(truncated.message).toContain("truncated");

    const global = await rejection(
      condor({ CONDOR_STANDIN_Q: fixture("condor_q.empty.global.json") }).jobs(),
    );
    expect(global).toBeInstanceOf(CondorParseError);
  });

  it("gives up on a hung schedd at its own timeout", async () => {
    const client = new CommandLineCondor(standinConfig(), {
      ...STANDIN_OPTIONS,
      env: world.env({
        CONDOR_STANDIN_Q: fixture("condor_q.all.json"),
        CONDOR_STANDIN_Q_DELAY: "60",
      }),
      timeoutMs: 500,
    });
    expect(await rejection(client.jobs())).toBeInstanceOf(CondorTimeoutError);
  });

  it("parses the hostile synthetic jobs without crashing", async () => {
    const jobs = await condor({ CONDOR_STANDIN_Q: fixture("synthetic.hostile-jobs.json") }).jobs();
    expect(jobs).toHaveLength(14);
    expect(jobs.find((j) => j.id === "106.0")?.vmImage).toBe("../../etc/passwd");
  });
});

describe("CommandLineCondor.workers", () => {
  it("runs condor_status -json with the projection and groups slots into workers", async () => {
    const [idle] = await condor({
      CONDOR_STANDIN_STATUS: fixture("condor_status.idle.json"),
    }).workers();
    expect(idle).toMatchObject({
      workerName: "cs-alberta-demo-vm-0001",
      runningJobs: 0,
      draining: false,
    });
    const [busy] = await condor(
      { CONDOR_STANDIN_STATUS: fixture("condor_status.busy.json") },
      REMOTE,
    ).workers();
    expect(busy).toMatchObject({ workerName: "cs-alberta-demo-vm-0001", runningJobs: 2 });
    expect(world.calls().map((c) => [c.tool, c.args])).toEqual([
      ["condor_status", [...STATUS_QUERY, "-json", "-attributes", SLOT_PROJECTION]],
      [
        "condor_status",
        ["-pool", REMOTE.pool, ...STATUS_QUERY, "-json", "-attributes", SLOT_PROJECTION],
      ],
    ]);
  });

  it("sees a world that changes between cycles through CONDOR_STANDIN_DIR", async () => {
    const client = condor({ CONDOR_STANDIN_DIR: world.dir });
    const stdout = path.join(world.dir, "condor_status.stdout");
    writeFileSync(stdout, readFixture("condor_status.idle.json"));
    expect((await client.workers()).map((w) => w.runningJobs)).toEqual([0]);
    writeFileSync(stdout, readFixture("condor_status.busy.json"));
    expect((await client.workers()).map((w) => w.runningJobs)).toEqual([2]);
    // Peaceful off done: every ad of the startd vanished at once.
    writeFileSync(stdout, "");
    expect(await client.workers()).toEqual([]);
    writeFileSync(path.join(world.dir, "condor_status.exit"), "1\n");
    writeFileSync(
      path.join(world.dir, "condor_status.stderr"),
      "Error: Couldn't contact the condor_collector on cm.\n",
    );
    expect(await rejection(client.workers())).toBeInstanceOf(CondorUnavailableError);
  });
});

describe("CommandLineCondor.workers trusts a worker's ads only from that worker", () => {
  it("believes real ads sent with the worker's own identity (the product's per-worker token)", async () => {
    const client = new CommandLineCondor(standinConfig(), {
      binDir: STANDIN_OPTIONS.binDir,
      env: world.env({ CONDOR_STANDIN_STATUS: fixture("condor_status.busy.json") }),
      onUntrustedSlot: () => {
        throw new Error("no ad is untrusted here");
      },
    });
    const [worker] = await client.workers();
    expect(worker).toMatchObject({ workerName: "cs-alberta-demo-vm-0001", runningJobs: 2 });
  });

  it("ignores (and reports) the same ads sent by another identity", async () => {
    const ads = JSON.parse(readFixture("condor_status.busy.json").toString("utf8")) as Record<
      string,
      unknown
    >[];
    const file = path.join(world.dir, "pool-wide-identity.json");
    writeFileSync(
      file,
      JSON.stringify(ads.map((ad) => ({ ...ad, AuthenticatedIdentity: "condor@cloudscheduler" }))),
    );
    const untrusted: string[] = [];
    const client = new CommandLineCondor(standinConfig(), {
      binDir: STANDIN_OPTIONS.binDir,
      env: world.env({ CONDOR_STANDIN_STATUS: file }),
      onUntrustedSlot: ({ reason }) => untrusted.push(reason),
    });
    expect(await client.workers()).toEqual([]);
    expect(untrusted).toHaveLength(3);
    expect(untrusted[0]).toBe(
      'slot "slot1@vm.cloudscheduler.test" names worker cs-alberta-demo-vm-0001 but was sent by "condor@cloudscheduler"',
    );
  });
});

describe("CommandLineCondor.drain / peacefulOff", () => {
  it("runs condor_drain -graceful -reason <text> <machine>", async () => {
    await condor({ CONDOR_STANDIN_DRAIN: fixture("condor_drain.txt") }, REMOTE).drain(
      "vm.cloudscheduler.test",
      "cloudscheduler: idle 10m",
    );
    expect(world.calls().map((c) => [c.tool, c.args])).toEqual([
      [
        "condor_drain",
        [
          "-pool",
          REMOTE.pool,
          "-graceful",
          "-reason",
          "cloudscheduler: idle 10m",
          "vm.cloudscheduler.test",
        ],
      ],
    ]);
  });

  it("runs condor_off -peaceful -startd -name <machine>", async () => {
    await condor({ CONDOR_STANDIN_OFF: fixture("condor_off.peaceful.txt") }).peacefulOff(
      "vm.cloudscheduler.test",
    );
    expect(world.calls().map((c) => [c.tool, c.args])).toEqual([
      ["condor_off", ["-peaceful", "-startd", "-name", "vm.cloudscheduler.test"]],
    ]);
  });

  it("reports an unknown machine as CondorMachineNotFoundError (real stderr)", async () => {
    const drain = await rejection(
      condor({
        CONDOR_STANDIN_DRAIN_STDERR: fixture("condor_drain.unknown-name.txt.stderr"),
        CONDOR_STANDIN_DRAIN_EXIT: "1",
      }).drain("nosuch-vm.cloudscheduler.test", "idle"),
    );
    expect(drain).toBeInstanceOf(CondorMachineNotFoundError);
    const off = await rejection(
      condor({
        CONDOR_STANDIN_OFF_STDERR: fixture("condor_off.peaceful.unknown-name.txt.stderr"),
        CONDOR_STANDIN_OFF_EXIT: "1",
      }).peacefulOff("nosuch-vm.cloudscheduler.test"),
    );
    expect(off).toBeInstanceOf(CondorMachineNotFoundError);
    // Said with a down collector's words (so still "unavailable"), and for a retire a refusal:
    // backed off, no more.
    expect(off).toBeInstanceOf(CondorUnavailableError);
    expect(isRetireRefusal(off)).toBe(true);
  });

  it("refuses a hostile machine name before running anything", async () => {
    const client = condor({
      CONDOR_STANDIN_DRAIN: fixture("condor_drain.txt"),
      CONDOR_STANDIN_OFF: fixture("condor_off.peaceful.txt"),
    });
    for (const name of ["-all", "vm; rm -rf /", "-constraint true"]) {
      expect(await rejection(client.drain(name, "idle"))).toBeInstanceOf(InvalidMachineNameError);
      expect(await rejection(client.peacefulOff(name))).toBeInstanceOf(InvalidMachineNameError);
    }
    expect(world.calls()).toEqual([]);
  });
});
