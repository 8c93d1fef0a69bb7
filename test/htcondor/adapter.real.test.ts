// The product's condor adapter (scheduler/condor/) against real HTCondor 25 daemons, in every
// state a worker passes through: idle, busy, draining with jobs, drained, peacefully off (idle
// and busy), SIGKILLed with stale ads, after a collector restart with jobs still running, and
// with a hung schedd. Workers are real execute nodes started with the product's own worker
// user-data (test/htcondor/workers.ts); jobs are submitted by an unprivileged account.
import { afterAll, beforeAll, expect, test } from "vitest";
import { CommandLineCondor } from "../../scheduler/condor/client.js";
import {
  CondorError,
  CondorMachineNotFoundError,
  CondorTimeoutError,
  CondorUnavailableError,
} from "../../scheduler/condor/errors.js";
import type { ObservedWorker } from "../../scheduler/condor/types.js";
import { condorSchema } from "../../scheduler/config/schema.js";
import { acquirePoolLock, describeRealCondor } from "./gate.js";
import { type Guest, GuestHost } from "./guests.js";
import { type CondorPool, waitFor } from "./pool.js";
import { sleepJobs, submitDir, workerGuest } from "./workers.js";

const MINUTES = 60_000;
// Worker names and VM type of this run: a SIGKILLed guest (a deleted VM) leaves its ads in the
// collector for 15 minutes, and jobs of an interrupted run may still be queued; a second run must
// not mistake those workers for its own, nor its workers run those jobs.
const RUN = `cs-adapter-${process.pid}`;
const VM_TYPE = `adapter-test-${process.pid}`;
const [W1, W2, W3, W4, W5, W6] = [1, 2, 3, 4, 5, 6].map((n) => `${RUN}-000${n}`) as [
  string,
  string,
  string,
  string,
  string,
  string,
];

describeRealCondor("the condor adapter on real HTCondor 25 daemons", (pool: CondorPool) => {
  let release: () => void = () => {};
  let host: GuestHost;
  let dir: string;
  const clusters: number[] = [];
  const condor = () =>
    new CommandLineCondor(condorSchema.parse({ timeout: 20 }), { env: pool.env() });
  const observed = async (name: string): Promise<ObservedWorker | undefined> =>
    (await condor().workers()).find((w) => w.workerName === name);
  const running = async (cluster: number) =>
    (await condor().jobs()).filter((j) => j.id.startsWith(`${cluster}.`) && j.state === "running");

  beforeAll(async () => {
    release = await acquirePoolLock();
    host = new GuestHost(pool);
    dir = submitDir("adapter");
  }, 25 * MINUTES);

  afterAll(async () => {
    try {
      for (const cluster of clusters) await pool.tool("condor_rm", [String(cluster)]);
      await host?.killAll();
    } finally {
      release();
    }
  }, 2 * MINUTES);

  const boot = async (name: string, extra: Partial<Parameters<typeof workerGuest>[1]> = {}) => {
    const guest = await host.start(
      name,
      await workerGuest(pool, { name, vmType: VM_TYPE, ...extra }),
    );
    await waitFor(`${name} in condor_status`, () => observed(name), MINUTES);
    // condor_off finds a worker through its master's ad, which arrives a few seconds later.
    await waitFor(
      `${name}'s master ad`,
      async () => {
        const masters = await pool.statusAds([
          "-master",
          "-constraint",
          `Name == "${guest.machine}"`,
        ]);
        return masters.length === 1 ? true : undefined;
      },
      MINUTES,
    );
    return guest;
  };
  const submit = async (file: string, count: number, seconds: number) => {
    const cluster = await pool.submit(
      dir,
      sleepJobs(dir, file, { vmType: VM_TYPE, count, seconds }),
    );
    clusters.push(cluster);
    return cluster;
  };

  let busy: Guest;
  let busyCluster: number;

  test(
    "an idle worker: one partitionable slot named after its pool entry, no jobs",
    async () => {
      busy = await boot(W1);
      const worker = await observed(W1);
      expect(worker).toMatchObject({
        workerName: W1,
        machine: `${W1}.workers.cloudscheduler`,
        vmType: VM_TYPE,
        runningJobs: 0,
        draining: false,
      });
      expect(worker?.slots.map((s) => [s.slotType, s.state, s.activity, s.cpus])).toEqual([
        ["Partitionable", "Unclaimed", "Idle", 2],
      ]);
    },
    3 * MINUTES,
  );

  test(
    "a busy worker: dynamic slots per job, and condor_q names it in RemoteHost",
    async () => {
      busyCluster = await submit("busy.sub", 2, 45);
      const jobs = await waitFor(
        "2 running jobs",
        async () => {
          const list = await running(busyCluster);
          return list.length === 2 ? list : undefined;
        },
        2 * MINUTES,
      );
      for (const job of jobs)
        expect(job.remoteHost).toMatch(new RegExp(`^slot1_\\d+@${W1}\\.workers\\.cloudscheduler$`));
      const worker = await waitFor(
        "2 dynamic slots",
        async () => {
          const w = await observed(W1);
          return w?.runningJobs === 2 ? w : undefined;
        },
        MINUTES,
      );
      expect(worker.slots.filter((s) => s.slotType === "Dynamic")).toHaveLength(2);
      // The partitionable slot stays Unclaimed/Idle with nothing left.
      expect(worker.slots.find((s) => s.slotType === "Partitionable")).toMatchObject({
        state: "Unclaimed",
        cpus: 0,
      });
    },
    4 * MINUTES,
  );

  test(
    "draining with jobs: condor_drain -graceful marks it, its jobs keep running",
    async () => {
      await condor().drain(busy.machine, "cloudscheduler: adapter test");
      const worker = await waitFor(
        "draining ads",
        async () => {
          const w = await observed(W1);
          return w?.draining ? w : undefined;
        },
        MINUTES,
      );
      expect(worker.runningJobs).toBe(2);
      expect(await running(busyCluster)).toHaveLength(2);
    },
    2 * MINUTES,
  );

  test(
    "drained: once its jobs end it is Drained/Idle and stays in the pool",
    async () => {
      const worker = await waitFor(
        "drained and empty",
        async () => {
          const w = await observed(W1);
          return w && w.runningJobs === 0 && w.draining ? w : undefined;
        },
        3 * MINUTES,
      );
      expect(worker.slots.map((s) => [s.slotType, s.state])).toEqual([
        ["Partitionable", "Drained"],
      ]);
      const history = await pool.historyAds([
        "-constraint",
        `ClusterId == ${busyCluster}`,
        "-attributes",
        "ProcId,JobStatus,NumJobStarts",
      ]);
      expect(history.map((h) => [h.JobStatus, h.NumJobStarts])).toEqual([
        [4, 1],
        [4, 1],
      ]);
    },
    4 * MINUTES,
  );

  test(
    "peacefully off, idle: every ad of the startd vanishes within seconds",
    async () => {
      const guest = await boot(W2);
      await condor().peacefulOff(guest.machine);
      await waitFor(
        "its ads gone",
        async () => ((await observed(W2)) === undefined ? true : undefined),
        MINUTES,
      );
      // Against a startd already gone, condor_off still exits 0 (the master may be gone too).
      await condor()
        .peacefulOff(guest.machine)
        .catch((err: unknown) => {
          expect(err).toBeInstanceOf(CondorUnavailableError);
        });
    },
    3 * MINUTES,
  );

  test(
    "peacefully off, busy: the ads stay while the job runs, then vanish at once",
    async () => {
      const guest = await boot(W3, { cpus: 1 });
      const cluster = await submit("peaceful.sub", 1, 25);
      await waitFor(
        "the job running",
        async () => ((await running(cluster)).length === 1 ? true : undefined),
        2 * MINUTES,
      );
      await condor().peacefulOff(guest.machine);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      expect((await observed(W3))?.runningJobs).toBe(1);
      await waitFor(
        "its ads gone after the job",
        async () => ((await observed(W3)) === undefined ? true : undefined),
        2 * MINUTES,
      );
      const [done] = await pool.historyAds([
        "-constraint",
        `ClusterId == ${cluster}`,
        "-attributes",
        "JobStatus,NumJobStarts",
      ]);
      expect(done).toMatchObject({ JobStatus: 4, NumJobStarts: 1 });
    },
    5 * MINUTES,
  );

  test(
    "SIGKILLed (a deleted VM): its ads stay in the collector and its job stays running in condor_q",
    async () => {
      const guest = await boot(W4, { cpus: 1 });
      const cluster = await submit("killed.sub", 1, 600);
      await waitFor(
        "the job running",
        async () => ((await running(cluster)).length === 1 ? true : undefined),
        2 * MINUTES,
      );
      // The collector must have heard of the claim first: a VM deleted in the seconds before its
      // startd's next update leaves ads that show it idle although condor_q runs a job there.
      await waitFor(
        "the busy slot in the collector",
        async () => ((await observed(W4))?.runningJobs === 1 ? true : undefined),
        MINUTES,
      );
      await guest.kill();
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      const stale = await observed(W4);
      expect(stale?.runningJobs).toBe(1);
      const [job] = await running(cluster);
      expect(job?.remoteHost).toBe(`slot1_1@${W4}.workers.cloudscheduler`);
      await pool.tool("condor_rm", [String(cluster)]);
    },
    4 * MINUTES,
  );

  test(
    "after a collector restart: condor_status lacks the busy worker, condor_q still runs its job there",
    async () => {
      // A long update interval, as HTCondor's default (300 s): the worker is missing until then.
      await boot(W5, { cpus: 1, updateInterval: 300 });
      const cluster = await submit("restart.sub", 1, 600);
      await waitFor(
        "the job running",
        async () => ((await running(cluster)).length === 1 ? true : undefined),
        2 * MINUTES,
      );
      const restarted = await pool.tool("condor_restart", ["-daemon", "collector"]);
      expect(restarted.code, restarted.stderr).toBe(0);
      const workers = await waitFor(
        "the collector answering again",
        async () => {
          const list = await condor()
            .workers()
            .catch(() => undefined);
          // The schedd re-advertises within seconds; until the collector is back, workers() fails.
          return list;
        },
        MINUTES,
      );
      expect(workers.find((w) => w.workerName === W5)).toBeUndefined();
      const [job] = await running(cluster);
      expect(job?.remoteHost).toBe(`slot1_1@${W5}.workers.cloudscheduler`);
      await pool.tool("condor_rm", [String(cluster)]);
    },
    4 * MINUTES,
  );

  test(
    "names HTCondor refuses: a machine that does not exist and a bare short name",
    async () => {
      const err1 = await condor()
        .drain("nosuch-vm.workers.cloudscheduler", "test")
        .catch((e: unknown) => e);
      expect(err1).toBeInstanceOf(CondorMachineNotFoundError);
      // A worker that exists, named without its domain (what a worker whose config left its
      // host name bare would advertise as Machine: the product names it in a domain instead).
      const guest = await boot(W6, { cpus: 1 });
      expect(guest.machine).toBe(`${W6}.workers.cloudscheduler`);
      const err2 = await condor()
        .drain(W6, "test")
        .catch((e: unknown) => e);
      // HTCondor canonicalises a bare name with its own DEFAULT_DOMAIN_NAME and gives up.
      expect(err2).toBeInstanceOf(CondorError);
      expect(String(err2)).toContain(`unknown host ${W6}`);
    },
    3 * MINUTES,
  );

  test(
    "a hung schedd (SIGSTOP): condor_q is killed at the adapter's own timeout",
    async () => {
      const schedd = pool.daemonPid("condor_schedd");
      process.kill(schedd, "SIGSTOP");
      try {
        const hung = new CommandLineCondor(condorSchema.parse({ timeout: 5 }), { env: pool.env() });
        const started = Date.now();
        const err = await hung.jobs().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(CondorTimeoutError);
        expect(Date.now() - started).toBeLessThan(15_000);
      } finally {
        process.kill(schedd, "SIGCONT");
      }
      await waitFor("the schedd answering again", () => condor().jobs(), MINUTES);
    },
    2 * MINUTES,
  );
});
