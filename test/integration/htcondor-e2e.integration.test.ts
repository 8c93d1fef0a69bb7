// The whole loop on real peers: jobs with the classic attributes submitted by an unprivileged
// account to a real HTCondor 25 pool -> `cloudscheduler run` (a separate process) commits and
// deploys workers into the local two-region Nova through the Pulumi engine (stand-in provider,
// see test/cloud/README.md) -> each ACTIVE server becomes a real execute node running the
// HTCondor config and token the product rendered into its user-data -> the jobs run and complete
// with the right output -> idle workers are drained and their servers deleted -> the pool's git
// log tells the story; and no secret the run knew (OpenStack passwords, the Pulumi passphrase,
// each worker's token, the token signing key) is in its log, state files, git history or status.
// Prints the timeline in seconds from submit.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { parse, stringify } from "yaml";
import { AutomationDeployer } from "../../scheduler/deploy/automation-deployer.js";
import { workerMachine } from "../../scheduler/identity/worker-identity.js";
import { securityGroupName } from "../../stacks/ports.js";
import { acquirePoolLock, describeRealWorld } from "../htcondor/gate.js";
import { GuestHost, idsOf, NovaGuests } from "../htcondor/guests.js";
import { type CondorPool, POOL_DIR, SUBMIT_USER, waitFor } from "../htcondor/pool.js";
import { submitDir } from "../htcondor/workers.js";
import { ROOT as root } from "../support/condor-world.js";
import { acquireCloudLock, type PulumiSandbox, pulumiSandbox } from "../support/integration.js";
import { type NovaServer, OpenStackApi } from "../support/openstack-api.js";
import { ensureSecurityGroup } from "../support/pool-fixtures.js";
import { filesUnder, type KnownSecret, type Place, sweep } from "../support/secret-sweep.js";
import { twoRegionSite } from "./helpers/two-region-site.js";

const MINUTES = 60_000;
const CLOUDS = { alberta: "RegionOne", victoria: "RegionTwo" } as const;
const JOBS = 6;

/** Both local regions, one worker per m1.small (1 core), two per cloud at most: both get work. */
const siteConfig = (condorHost: string) =>
  twoRegionSite(condorHost, { instances: 2, keepAlive: "20s" });

/** The classic demo-1 job (pi to 1000 places) with the classic attributes, 6 of them. */
function demoJob(): string {
  return [
    "# cloudscheduler demo 1 with the classic CloudScheduler attributes: pi to 1000 places.",
    "Universe   = vanilla",
    "Executable = pi.sh",
    "Arguments  = 1000 20",
    "Log        = demo-1.log",
    "Output     = demo-1.$(Cluster).$(Process).out",
    "Error      = demo-1.$(Cluster).$(Process).err",
    "should_transfer_files   = YES",
    "when_to_transfer_output = ON_EXIT",
    "job_lease_duration = 120",
    'Requirements    = VMType =?= "demo-vm"',
    '+VMType         = "demo-vm"',
    '+VMAMI          = "debian-12-condor"',
    '+VMInstanceType = "m1.small"',
    "+VMKeepAlive    = 0",
    `Queue ${JOBS}`,
    "",
  ].join("\n");
}

/** Every password and application-credential secret in a clouds.yaml/secure.yaml file. */
function credentialSecrets(file: string | undefined): KnownSecret[] {
  if (!file || !existsSync(file)) return [];
  const found: KnownSecret[] = [];
  const walk = (node: unknown, path: string) => {
    if (node === null || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === "string" && /password|secret/i.test(key)) {
        found.push({ label: `${path}.${key} of ${file}`, value });
      } else walk(value, `${path}.${key}`);
    }
  };
  walk(parse(readFileSync(file, "utf8")), "");
  return found;
}

interface Timeline {
  submitted: number;
  firstBootCommitted?: number;
  firstServerActive?: number;
  firstSlot?: number;
  firstJobRunning?: number;
  allJobsDone?: number;
  lastServerDeleted?: number;
}

describeRealWorld("end to end on real HTCondor and the local cloud", (pool: CondorPool) => {
  let releaseCloud: () => void = () => {};
  let releasePool: () => void = () => {};
  let sandbox: PulumiSandbox;
  let guests: NovaGuests | undefined;
  let scheduler: ChildProcess | undefined;
  let dropGroups: (() => Promise<void>)[] = [];
  const admins: { region: string; api: OpenStackApi }[] = [];
  let member: Record<string, OpenStackApi> = {};
  const repoDir = () => join(sandbox.dir, "config");

  const workerServers = async (): Promise<(NovaServer & { region: string })[]> => {
    const all: (NovaServer & { region: string })[] = [];
    for (const [cloud, region] of Object.entries(CLOUDS)) {
      const admin = admins.find((a) => a.region === region)?.api;
      const projectId = member[cloud]?.projectId;
      if (!admin || !projectId) throw new Error(`no admin or project for ${cloud}`);
      for (const s of await admin.servers({ projectId }))
        if (s.metadata.cloudscheduler === "worker") all.push({ ...s, region });
    }
    return all;
  };

  beforeAll(async () => {
    releaseCloud = await acquireCloudLock(20 * MINUTES);
    releasePool = await acquirePoolLock();
    sandbox = pulumiSandbox("htcondor-e2e");
    for (const [cloud, region] of Object.entries(CLOUDS)) {
      admins.push({ region, api: await OpenStackApi.admin(region) });
      member = { ...member, [cloud]: await OpenStackApi.forEntry(cloud) };
      dropGroups.push(
        await ensureSecurityGroup(member[cloud] as OpenStackApi, securityGroupName(cloud)),
      );
    }
    expect(await workerServers()).toEqual([]);
  }, 25 * MINUTES);

  afterAll(async () => {
    try {
      if (scheduler && scheduler.exitCode === null) scheduler.kill("SIGKILL");
      // Whatever the test left: the stacks' own destroy, then the guests.
      for (const cloud of Object.keys(CLOUDS)) {
        await new AutomationDeployer({
          configDir: repoDir(),
          deploy: sandbox.deploy,
          env: sandbox.env,
        })
          .destroy(cloud)
          .catch(() => {});
      }
      await guests?.stop();
      expect(await workerServers()).toEqual([]);
    } finally {
      for (const drop of dropGroups) await drop();
      dropGroups = [];
      releasePool();
      releaseCloud();
      if (sandbox) rmSync(sandbox.dir, { recursive: true, force: true });
    }
  }, 10 * MINUTES);

  test(
    "classic demo jobs boot workers in both regions, run once with the right output, and the idle workers are drained and deleted",
    async () => {
      // The config repo.
      mkdirSync(repoDir());
      writeFileSync(join(repoDir(), "cloudscheduler.yaml"), stringify(siteConfig(pool.condorHost)));
      const git = (...args: string[]) =>
        execFileSync(
          "git",
          ["-C", repoDir(), "-c", "user.name=Admin", "-c", "user.email=admin@example.org", ...args],
          {
            encoding: "utf8",
          },
        );
      git("init", "-q", "-b", "main");
      git("add", ".");
      git("commit", "-qm", "site config: alberta and victoria");

      // The VMs: one real execute node per ACTIVE worker server, in either region.
      guests = new NovaGuests(new GuestHost(pool), admins, { pollMs: 500 });
      guests.start();

      // The scheduler, as an operator runs it.
      const logFile = join(root, "test/htcondor/.last-e2e-scheduler.log");
      writeFileSync(logFile, "");
      const env: NodeJS.ProcessEnv = {
        ...sandbox.env,
        ...pool.env(),
      };
      scheduler = spawn(
        process.execPath,
        [
          join(root, "bin/cloudscheduler.js"),
          "run",
          repoDir(),
          "--no-listen",
          "--sync-interval",
          "0",
        ],
        { env, stdio: ["ignore", "ignore", "pipe"] },
      );
      const log: string[] = [];
      scheduler.stderr?.on("data", (chunk: Buffer) => {
        log.push(chunk.toString());
        appendFileSync(logFile, chunk);
      });

      // Jane submits.
      const jobsDir = submitDir("e2e");
      writeFileSync(join(jobsDir, "demo-1.job"), demoJob());
      execFileSync("cp", [join(root, "templates/demo/pi.sh"), jobsDir]);
      const [uid, gid] = idsOf(SUBMIT_USER).split(".").map(Number) as [number, number];
      execFileSync("chown", ["-R", `${uid}:${gid}`, jobsDir]);
      const t: Timeline = { submitted: Date.now() };
      const cluster = await pool.submit(jobsDir, "demo-1.job");

      // Watch the world once a second until every job is done and every server is gone.
      const workerTokens = new Map<string, string>();
      const drainedWhileBusy: string[] = [];
      const drainSeen = new Set<string>();
      const regionsWithServers = new Set<string>();
      const seenServers = new Set<string>();
      const serverNames = new Set<string>();
      await waitFor(
        "all jobs done and every worker server deleted",
        async () => {
          const now = Date.now();
          if (
            t.firstBootCommitted === undefined &&
            /\+\d+ demo-vm/.test(git("log", "--format=%B", "--", "pool"))
          ) {
            t.firstBootCommitted = now;
          }
          // Each worker's own token, as the guest received it in its user-data.
          for (const guest of guests?.host.guests() ?? []) {
            const dir = join(guest.dir, "etc/condor/tokens.d");
            for (const file of existsSync(dir) ? readdirSync(dir) : []) {
              workerTokens.set(
                `${guest.spec.hostname}/${file}`,
                readFileSync(join(dir, file), "utf8").trim(),
              );
            }
          }
          const servers = await workerServers();
          for (const s of servers) {
            seenServers.add(s.id);
            serverNames.add(s.name);
            if (s.status === "ACTIVE") {
              t.firstServerActive ??= now;
              regionsWithServers.add(s.region);
            }
          }
          // Only this run's workers, heard from since the submit: a SIGKILLed guest (a deleted VM)
          // of an earlier run leaves its ads in the collector for 15 minutes.
          const slots = (
            await pool.statusAds([
              "-attributes",
              "Name,CloudSchedulerVM,SlotType,Draining,LastHeardFrom",
            ])
          ).filter(
            (s) =>
              typeof s.CloudSchedulerVM === "string" &&
              serverNames.has(s.CloudSchedulerVM) &&
              Number(s.LastHeardFrom) * 1000 >= t.submitted,
          );
          if (slots.length > 0) t.firstSlot ??= now;
          for (const s of slots) {
            const vm = s.CloudSchedulerVM;
            if (typeof vm !== "string" || s.Draining !== true || drainSeen.has(vm)) continue;
            drainSeen.add(vm);
            if (slots.some((d) => d.CloudSchedulerVM === vm && d.SlotType === "Dynamic"))
              drainedWhileBusy.push(vm);
          }
          const queue = await pool.queueAds([
            "-constraint",
            `ClusterId == ${cluster}`,
            "-attributes",
            "ProcId,JobStatus",
          ]);
          if (queue.some((j) => j.JobStatus === 2)) t.firstJobRunning ??= now;
          if (queue.length === 0) t.allJobsDone ??= now;
          if (t.allJobsDone !== undefined && seenServers.size > 0 && servers.length === 0) {
            t.lastServerDeleted = now;
            return true;
          }
          if (scheduler?.exitCode !== null)
            throw new Error(
              `the scheduler exited ${scheduler?.exitCode}:\n${log.join("").slice(-3000)}`,
            );
          return undefined;
        },
        15 * MINUTES,
        1000,
      );

      // Stop the scheduler as an operator would; it finishes its cycle and exits 0.
      scheduler.kill("SIGTERM");
      const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        scheduler?.once("exit", (code, signal) => resolve({ code, signal })),
      );
      expect(exit, log.join("").slice(-2000)).toEqual({ code: 0, signal: null });

      const seconds = (at: number | undefined) =>
        at === undefined ? "never" : `+${Math.round((at - t.submitted) / 1000)} s`;
      const timeline = {
        "first boot committed": seconds(t.firstBootCommitted),
        "first server ACTIVE": seconds(t.firstServerActive),
        "first slot in the collector": seconds(t.firstSlot),
        "first job running": seconds(t.firstJobRunning),
        "all jobs done": seconds(t.allJobsDone),
        "last server deleted": seconds(t.lastServerDeleted),
      };
      console.log(
        `[htcondor e2e] timeline from submit (${JOBS} jobs, two regions, cycle 5 s, keep-alive 20 s):`,
        timeline,
      );
      writeFileSync(
        join(root, "test/htcondor/.last-e2e-timeline.json"),
        `${JSON.stringify(timeline, null, 2)}\n`,
      );

      // Every job completed exactly once, on a worker of one of the two clouds, with the right output.
      const history = await pool.historyAds([
        "-constraint",
        `ClusterId == ${cluster}`,
        "-attributes",
        "ProcId,JobStatus,NumJobStarts,LastRemoteHost,JobCurrentStartDate,CompletionDate",
      ]);
      expect(history).toHaveLength(JOBS);
      const pi = execFileSync("bc", ["-l"], { input: "scale=1000; 4*a(1)\n", encoding: "utf8" });
      const machines = new Set<string>();
      for (const job of history) {
        expect(job).toMatchObject({ JobStatus: 4, NumJobStarts: 1 });
        const machine = String(job.LastRemoteHost).split("@").pop() ?? "";
        machines.add(machine.replace(/-demo-vm-\d+.*$/, ""));
        expect(readFileSync(join(jobsDir, `demo-1.${cluster}.${job.ProcId}.out`), "utf8")).toBe(pi);
      }
      expect([...regionsWithServers].sort()).toEqual(["RegionOne", "RegionTwo"]);
      expect([...machines].sort()).toEqual(["cs-alberta", "cs-victoria"]);

      // No worker was drained while a job ran on it, and no VM died under a job.
      expect(drainedWhileBusy).toEqual([]);
      for (const event of guests.timeline.filter((e) => e.kind === "guest-killed")) {
        for (const job of history) {
          const onIt = String(job.LastRemoteHost).endsWith(`@${workerMachine(event.server)}`);
          const started = Number(job.JobCurrentStartDate) * 1000;
          const ended = Number(job.CompletionDate) * 1000;
          if (onIt) expect(event.at < started || event.at > ended).toBe(true);
        }
      }
      expect(guests.timeline.filter((e) => e.kind === "guest-failed")).toEqual([]);

      // The pool's history tells the story, oldest first.
      const story = git("log", "--reverse", "--format=%B", "--", "pool");
      console.log(`[htcondor e2e] git log pool/:\n${story}`);
      expect(story).toMatch(/\+\d+ demo-vm/);
      expect(story).toMatch(/registered/);
      expect(story).toMatch(/-\d+ demo-vm drained/);

      // No secret the run knew is anywhere it left text: the scheduler's log (its errors
      // included), its state dir (status.json, lifecycle.json, engine records), the Pulumi
      // backend's checkpoints and history, the config repo's files and whole history, and status.
      expect(workerTokens.size).toBeGreaterThan(0);
      const secrets: KnownSecret[] = [
        ...credentialSecrets(env.OS_CLIENT_SECURE_FILE),
        ...credentialSecrets(env.OS_CLIENT_CONFIG_FILE),
        { label: "PULUMI_CONFIG_PASSPHRASE", value: String(env.PULUMI_CONFIG_PASSPHRASE) },
        ...[...workerTokens].flatMap(([where, token]) => [
          { label: `worker token ${where}`, value: token },
          // The signature alone would let no one in, but it is part of the secret.
          { label: `worker token signature ${where}`, value: token.split(".").pop() ?? token },
        ]),
        {
          label: "token signing key",
          value: readFileSync(join(POOL_DIR, "etc/passwords.d/cloudscheduler-workers"), "latin1"),
        },
      ];
      expect(secrets.filter((x) => x.label.includes("password")).length).toBeGreaterThan(0);
      const status = (args: string[]) =>
        execFileSync(process.execPath, [join(root, "bin/cloudscheduler.js"), "status", ...args], {
          env,
          encoding: "utf8",
        });
      const places: Place[] = [
        { label: "scheduler log", text: log.join("") },
        {
          label: "config repo history",
          text: git("log", "-p", "--all", "--format=%H%n%B"),
        },
        { label: "cloudscheduler status -m", text: status(["-m", repoDir()]) },
        { label: "cloudscheduler status --json", text: status(["--json", repoDir()]) },
        ...filesUnder(sandbox.dir, (path) => path.includes("pulumi-home/plugins")),
      ];
      expect(places.some((p) => p.label.includes("lifecycle.json"))).toBe(true);
      // The scheduler's own file backend (<state>/pulumi): the pool stacks' checkpoints.
      expect(places.some((p) => /^state\/pulumi\/.*pool-alberta/.test(p.label))).toBe(true);
      const leaks = sweep(secrets, places);
      console.log(
        `[htcondor e2e] secret sweep: ${secrets.length} secrets (${workerTokens.size} worker tokens) looked for in ${places.length} places: ${leaks.length} found`,
      );
      expect(leaks).toEqual([]);
    },
    20 * MINUTES,
  );
});
