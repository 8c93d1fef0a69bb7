// Chaos on real peers, with jobs running: `cloudscheduler run` (a separate process) against a git
// config repo, the real HTCondor 25 pool, the real Pulumi engine (stand-in provider) and the
// local two-region Nova; each ACTIVE worker server becomes a real execute node (guests.ts).
// While jobs run, in one scenario:
//   1. the first victoria VM boots with a broken slot (EXECUTE not the condor account's);
//   2. the collector restarts (its ads are gone until the startds' next update, 30 s here);
//   3. Nova's API (both regions) is stopped (SIGSTOP) for two scheduler cycles, and meanwhile
//      a config commit changes every worker's user-data (condor.worker_condor_host);
//   4. a busy worker's server is put in ERROR (Nova's reset-state: its VM keeps running);
//   5. the scheduler is SIGKILLed (its process group) during an `up` that creates servers, and
//      started again.
// Then the queue empties and every worker retires. The figures, each asserted 0 and printed:
// jobs lost (chaos-ledger.ts states the rule), busy workers drained or deleted (the scheduler's
// log, the pool's git history and Nova against condor_q and condor_history), servers leaked
// (Nova's worker servers once the pools are empty) or duplicated (one name on two live servers).
// Each disruption must find jobs running and leave its mark in the scheduler's log.
//
// Known limit, not hidden: Nova is stopped only while no deploy runs and no job is idle. A
// `pulumi up` in flight on a hung Nova holds the whole cycle (deploys run inside it with no time
// limit until issue 14's background deploys), so the scheduler would see no cycle at all.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { stringify } from "yaml";
import { AutomationDeployer } from "../../scheduler/deploy/automation-deployer.js";
import { type EngineRun, EngineRuns } from "../../scheduler/deploy/engine-runs.js";
import { isAlive } from "../../scheduler/deploy/processes.js";
import { WORKER_IDENTITY_DOMAIN } from "../../scheduler/identity/worker-identity.js";
import { securityGroupName } from "../../stacks/ports.js";
import { acquirePoolLock, describeRealWorld } from "../htcondor/gate.js";
import { GuestHost, NovaGuests } from "../htcondor/guests.js";
import { CM_ADDRESS, type CondorPool, childrenOf, POOL_DIR, waitFor } from "../htcondor/pool.js";
import { sleepJobs, submitDir } from "../htcondor/workers.js";
import { CLOUD_DIR } from "../support/cloud-lock.js";
import { ROOT as root } from "../support/condor-world.js";
import { acquireCloudLock, type PulumiSandbox, pulumiSandbox } from "../support/integration.js";
import { OpenStackApi } from "../support/openstack-api.js";
import { ensureSecurityGroup } from "../support/pool-fixtures.js";
import {
  busyActions,
  duplicateNames,
  type HistoryJob,
  jobFigures,
  type QueueSample,
  type ServerSample,
  type WorkerAction,
  workerOfHost,
} from "./helpers/chaos-ledger.js";
import { twoRegionSite } from "./helpers/two-region-site.js";

const MINUTES = 60_000;
const CLOUDS = { alberta: "RegionOne", victoria: "RegionTwo" } as const;
const FIRST_JOBS = 4;
/** The longest a first job waits for the test's release (a failed run leaves none running). */
const FIRST_MAX_SECONDS = 600;
const SECOND_JOBS = 2;
const SECOND_SECONDS = 20;
const NOVA_APIS = ["nova-api", "nova2-api"];

const siteConfig = (condorHost: string) =>
  twoRegionSite(condorHost, { instances: 4, keepAlive: "10s", policy: { orphan_grace: "5s" } });

interface LogLine {
  at: number;
  level: number;
  msg: string;
  fields: Record<string, unknown>;
}

/** `cloudscheduler run` as an operator's service runs it: its own process group, JSON log. */
class Scheduler {
  readonly lines: LogLine[] = [];
  private child: ChildProcess | undefined;
  private partial = "";

  constructor(
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly logFile: string,
  ) {}

  start(): void {
    const child = spawn(process.execPath, this.args, {
      env: this.env,
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr?.on("data", (chunk: Buffer) => this.take(chunk.toString()));
    this.child = child;
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  get exitCode(): number | null {
    return this.child?.exitCode ?? null;
  }

  /** The whole process group at once, as a service manager's SIGKILL (or the OOM killer). */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(-this.pid, "SIGKILL");
    await exited;
  }

  /** SIGTERM: it finishes the cycle in flight and exits. */
  async stop(): Promise<{ code: number | null; signal: string | null }> {
    const child = this.child;
    if (!child) return { code: null, signal: null };
    if (child.exitCode !== null || child.signalCode !== null)
      return { code: child.exitCode, signal: child.signalCode };
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    child.kill("SIGTERM");
    return exited;
  }

  tail(): string {
    return this.lines
      .slice(-40)
      .map((l) => `${new Date(l.at).toISOString()} ${l.msg}`)
      .join("\n");
  }

  since(at: number): LogLine[] {
    return this.lines.filter((l) => l.at >= at);
  }

  private take(text: string): void {
    appendFileSync(this.logFile, text);
    const lines = (this.partial + text).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) {
      try {
        const { time, level, msg, ...fields } = JSON.parse(line) as Record<string, unknown>;
        this.lines.push({
          at: Number(time),
          level: Number(level),
          msg: String(msg),
          fields,
        });
      } catch {
        // "running from sources" and the like: not a log record.
      }
    }
  }
}

/** A service test/cloud/up.sh recorded (its pid file), with its workers (its children). */
function servicePids(name: string): number[] {
  const pid = Number(readFileSync(join(CLOUD_DIR, "pids", name), "utf8"));
  return [pid, ...childrenOf(pid)];
}

describeRealWorld(
  "chaos: every disruption while jobs run, nothing lost, leaked or disturbed",
  (pool: CondorPool) => {
    let releaseCloud: () => void = () => {};
    let releasePool: () => void = () => {};
    let sandbox: PulumiSandbox;
    let guests: NovaGuests | undefined;
    const schedulers: Scheduler[] = [];
    let dropGroups: (() => Promise<void>)[] = [];
    const admins: { region: string; api: OpenStackApi }[] = [];
    const projects: Record<string, string> = {};
    const stopped: number[] = [];
    const clusters: number[] = [];
    const repoDir = () => join(sandbox.dir, "config");

    const workerServers = async (): Promise<ServerSample["servers"]> => {
      const all: ServerSample["servers"] = [];
      for (const [cloud, region] of Object.entries(CLOUDS)) {
        const admin = admins.find((a) => a.region === region)?.api;
        const projectId = projects[cloud];
        if (!admin || !projectId) throw new Error(`no admin or project for ${cloud}`);
        for (const s of await admin.servers({ projectId }))
          if (s.metadata.cloudscheduler === "worker")
            all.push({ id: s.id, name: s.name, status: s.status });
      }
      return all;
    };

    const resumeNova = () => {
      for (const pid of stopped.splice(0)) {
        try {
          process.kill(pid, "SIGCONT");
        } catch {
          /* gone */
        }
      }
    };

    beforeAll(async () => {
      const asked = Date.now();
      releaseCloud = await acquireCloudLock(20 * MINUTES);
      releasePool = await acquirePoolLock();
      console.log(
        `[chaos] waited ${Math.round((Date.now() - asked) / 1000)} s for the shared cloud and pool`,
      );
      sandbox = pulumiSandbox("chaos");
      for (const [cloud, region] of Object.entries(CLOUDS)) {
        admins.push({ region, api: await OpenStackApi.admin(region) });
        const member = await OpenStackApi.forEntry(cloud);
        projects[cloud] = member.projectId ?? "";
        dropGroups.push(await ensureSecurityGroup(member, securityGroupName(cloud)));
      }
      expect(await workerServers()).toEqual([]);
    }, 25 * MINUTES);

    afterAll(async () => {
      const cleaning = Date.now();
      resumeNova();
      try {
        for (const s of schedulers) await s.kill9();
        // Whatever the test left: the engine processes of a deploy it killed (recovery stops
        // them and clears the lock), the stacks' own destroy, any server of ours, the guests.
        const cleanup = new AutomationDeployer({
          configDir: repoDir(),
          deploy: sandbox.deploy,
          env: sandbox.env,
        });
        for (const cloud of await cleanup.unfinished().catch(() => Object.keys(CLOUDS)))
          await cleanup.recover(cloud).catch(() => {});
        if ((await workerServers().catch(() => [undefined])).length > 0) {
          for (const cloud of Object.keys(CLOUDS)) await cleanup.destroy(cloud).catch(() => {});
        }
        for (const server of await workerServers().catch(() => [])) {
          for (const { api } of admins) await api.deleteServer(server.id).catch(() => {});
        }
        // Jobs left by a failed run would be everyone's demand.
        if (clusters.length > 0) await pool.tool("condor_rm", clusters.map(String));
        await guests?.stop();
        // A killed guest's ads (a deleted VM's) stay in the collector for 15 minutes and draw
        // matches that can never be claimed: withdraw the slot ads of every VM of this run.
        const ours = [...new Set(guests?.timeline.map((e) => e.server) ?? [])].filter(
          (n) => n !== "" && n !== "?",
        );
        await invalidateSlotAds(pool, ours.map((n) => `CloudSchedulerVM == "${n}"`).join(" || "));
      } finally {
        for (const drop of dropGroups) await drop().catch(() => {});
        dropGroups = [];
        releasePool();
        releaseCloud();
        console.log(`[chaos] cleanup took ${Math.round((Date.now() - cleaning) / 1000)} s`);
        if (sandbox) rmSync(sandbox.dir, { recursive: true, force: true });
      }
    }, 10 * MINUTES);

    test(
      "broken slot, collector restart, Nova down two cycles with a user-data commit, a server in ERROR, SIGKILL during up: 0 jobs lost, 0 busy workers drained or deleted, 0 servers leaked or duplicated",
      async () => {
        const started = Date.now();
        const marks: Record<string, number> = {};
        const mark = (what: string): number => {
          const at = Date.now();
          marks[what] = at;
          return at;
        };

        // The config repo.
        mkdirSync(repoDir());
        const configFile = join(repoDir(), "cloudscheduler.yaml");
        writeFileSync(configFile, stringify(siteConfig(pool.condorHost)));
        const git = (...args: string[]) =>
          execFileSync(
            "git",
            [
              "-C",
              repoDir(),
              "-c",
              "user.name=Admin",
              "-c",
              "user.email=admin@example.org",
              ...args,
            ],
            { encoding: "utf8" },
          );
        git("init", "-q", "-b", "main");
        git("add", ".");
        git("commit", "-qm", "site config: alberta and victoria");

        // The VMs. The first victoria server boots with a broken slot. A slow update interval (as
        // real startds, 300 s by default) keeps the collector's loss of ads visible for cycles.
        let brokenServer: string | undefined;
        guests = new NovaGuests(new GuestHost(pool), admins, {
          pollMs: 500,
          updateInterval: 30,
          liveIn: ["ACTIVE", "ERROR"],
          brokenExecute: (server, region) => {
            if (brokenServer === undefined && region === CLOUDS.victoria)
              brokenServer = server.name;
            return server.name === brokenServer;
          },
        });
        // Slot ads of dead VMs by the names this run's workers will get (an earlier run that
        // failed) would draw this run's jobs to machines that are gone.
        await invalidateSlotAds(
          pool,
          '(regexp("^cs-(alberta|victoria)-demo-vm-", CloudSchedulerVM) && time() - LastHeardFrom > 60)',
        );
        guests.start();

        // The scheduler, as an operator runs it.
        const logFile = join(root, "test/htcondor/.last-chaos-scheduler.log");
        writeFileSync(logFile, "");
        const newScheduler = () => {
          const s = new Scheduler(
            [
              join(root, "bin/cloudscheduler.js"),
              "run",
              repoDir(),
              "--no-listen",
              "--sync-interval",
              "0",
            ],
            { ...sandbox.env, ...pool.env() },
            logFile,
          );
          schedulers.push(s);
          s.start();
          return s;
        };
        let scheduler = newScheduler();
        const logLines = () => schedulers.flatMap((s) => s.lines);
        /** waitFor that fails at once, with its log, when the scheduler has died. */
        const poll = <T>(
          what: string,
          probe: () => Promise<T | undefined> | T | undefined,
          timeoutMs: number,
          everyMs = 500,
        ): Promise<T> => {
          const current = scheduler;
          return waitFor(
            what,
            async () => {
              if (current.exitCode !== null) return { died: current.exitCode } as const;
              const value = await probe();
              return value === undefined ? undefined : ({ value } as const);
            },
            timeoutMs,
            everyMs,
          ).then((r) => {
            if ("died" in r)
              throw new Error(
                `the scheduler exited ${r.died} while waiting for ${what}:\n${current.tail()}`,
              );
            return r.value;
          });
        };

        // Witnesses, once a second until the end: condor_q's running jobs and Nova's servers.
        const queueSamples: QueueSample[] = [];
        const serverSamples: ServerSample[] = [];
        let watching = true;
        const watch = async (look: () => Promise<void>) => {
          while (watching) {
            await look().catch(() => {});
            await new Promise((resolve) => setTimeout(resolve, 1000));
          }
        };
        const queue = async () => {
          if (clusters.length === 0) return [];
          return pool.queueAds([
            "-constraint",
            clusters.map((c) => `ClusterId == ${c}`).join(" || "),
            "-attributes",
            "ClusterId,ProcId,JobStatus,RemoteHost,JobCurrentStartDate",
          ]);
        };
        const watchers = [
          watch(async () => {
            const at = Date.now();
            const ads = await queue();
            queueSamples.push({
              at,
              running: ads
                .filter((j) => j.JobStatus === 2)
                .map((j) => ({
                  job: `${j.ClusterId}.${j.ProcId}`,
                  worker: workerOfHost(j.RemoteHost, WORKER_IDENTITY_DOMAIN),
                  startedAt: Number(j.JobCurrentStartDate),
                })),
            });
          }),
          watch(async () => {
            const at = Date.now();
            serverSamples.push({ at, servers: await workerServers() });
          }),
        ];
        const running = () => queueSamples.at(-1)?.running ?? [];
        const runningNow = async () =>
          (await queue())
            .filter((j) => j.JobStatus === 2)
            .map((j) => ({
              job: `${j.ClusterId}.${j.ProcId}`,
              worker: workerOfHost(j.RemoteHost, WORKER_IDENTITY_DOMAIN),
            }));
        const jobsDuring: Record<string, number> = {};
        let errored = "";
        const runs = new EngineRuns(join(sandbox.env.CLOUDSCHEDULER_STATE_DIR as string, "engine"));
        let dying: EngineRun[] = [];
        let committed = 0;

        try {
          // Jobs that run until every disruption is over: each waits for a file the test
          // writes then (guests share this host's file system), 10 minutes at most.
          const jobsDir = submitDir("chaos");
          const release = join(jobsDir, "release");
          heldJobs(jobsDir, "first.sub", release, FIRST_JOBS);
          clusters.push(await pool.submit(jobsDir, "first.sub"));
          mark("submitted");
          // All of them, the broken VM's job on its replacement: with no idle job left, nothing
          // gives the scheduler a reason to deploy while Nova is stopped (see 2.).
          await poll(
            `all ${FIRST_JOBS} first jobs running`,
            async () => ((await runningNow()).length === FIRST_JOBS ? true : undefined),
            4 * MINUTES,
            1000,
          );
          mark("first jobs running");

          // 1. The collector restarts; the busy workers' ads are gone until their next update.
          jobsDuring["collector restart"] = (await runningNow()).length;
          const restarted = await pool.tool("condor_restart", ["-daemon", "collector"]);
          expect(restarted.code, restarted.stderr).toBe(0);
          const collectorRestarted = mark("collector restarted");
          await poll(
            "the scheduler keeping a busy worker the collector lost",
            () => {
              return logLines().some(
                (l) => l.at >= collectorRestarted && l.fields.decision === "unobserved-busy",
              )
                ? true
                : undefined;
            },
            MINUTES,
          );

          // 2. Nova's API stops answering (both regions) for two cycles; meanwhile an admin
          // commits a config change that alters every worker's user-data. Stopped between
          // deploys: an `up` in flight waits on the hung API with the whole cycle (deploys run
          // inside the cycle, with no time limit, until issue 14's background deploys), so no
          // cycle would end while Nova is stopped.
          await poll(
            "no deploy in flight and the broken VM's server deleted",
            async () =>
              runs.list().length === 0 &&
              !(await workerServers()).some((s) => s.name === brokenServer)
                ? true
                : undefined,
            2 * MINUTES,
          );
          jobsDuring["Nova API stopped"] = (await runningNow()).length;
          for (const service of NOVA_APIS) {
            for (const pid of servicePids(service)) {
              process.kill(pid, "SIGSTOP");
              stopped.push(pid);
            }
          }
          const novaStopped = mark("Nova stopped");
          try {
            const changed = siteConfig(`${CM_ADDRESS}:${pool.port}`);
            writeFileSync(configFile, stringify(changed));
            jobsDuring["user-data commit"] = running().length;
            await poll(
              "the config commit (the scheduler commits to the same repo)",
              () => {
                try {
                  git("add", "cloudscheduler.yaml");
                  git("commit", "-qm", "worker_condor_host with its port");
                  return true;
                } catch {
                  return undefined;
                }
              },
              MINUTES,
            );
            committed = mark("user-data committed");
            await poll(
              "two scheduler cycles that could not list Nova",
              () => {
                const failed = logLines().filter(
                  (l) =>
                    l.at >= novaStopped &&
                    l.fields.cloud === "alberta" &&
                    /cannot list the cloud's servers/.test(l.msg),
                );
                return failed.length >= 2 ? true : undefined;
              },
              // Two cycles of 5 s, each waiting 30 s for the server lists (the inventory's limit).
              100_000,
            );
          } finally {
            resumeNova();
          }
          mark("Nova resumed");
          expect(
            logLines().some((l) => l.at >= committed && l.msg === "config reloaded"),
            "the scheduler took the committed change",
          ).toBe(true);

          // 3. A busy worker's server goes to ERROR (Nova's record only: its VM runs on).
          const busy = running().find((r) => r.worker?.startsWith("cs-alberta-"));
          expect(busy, JSON.stringify(running())).toBeDefined();
          errored = busy?.worker as string;
          const erroredServer = (await workerServers()).find((s) => s.name === errored);
          const alberta = admins.find((a) => a.region === CLOUDS.alberta)?.api as OpenStackApi;
          jobsDuring["server in ERROR"] = (await runningNow()).length;
          await alberta.resetState(erroredServer?.id as string, "error");
          mark("server in ERROR");

          // 4. More jobs need new workers; the scheduler is SIGKILLed while its `up` creates them.
          const before = new Set((await workerServers()).map((s) => s.name));
          sleepJobs(jobsDir, "second.sub", {
            vmType: "demo-vm",
            count: SECOND_JOBS,
            seconds: SECOND_SECONDS,
          });
          clusters.push(await pool.submit(jobsDir, "second.sub"));
          mark("second jobs submitted");
          await poll(
            "an up creating a server for the new jobs",
            async () => {
              const up = runs.list().find((r) => r.operation === "up" && r.children.length > 0);
              const fresh = (await workerServers()).filter((s) => !before.has(s.name));
              return up && fresh.length > 0 ? true : undefined;
            },
            2 * MINUTES,
            200,
          );
          jobsDuring["SIGKILL during up"] = (await runningNow()).length;
          // The service dies whole, as a service manager's SIGKILL of its cgroup: the scheduler's
          // process group and the engine's (the CLI leads its own). Provider plugins that left
          // those groups live on, as observed in issue 13; recovery must stop them.
          dying = runs.list().filter((r) => r.operation === "up");
          await scheduler.kill9();
          for (const run of dying) {
            try {
              process.kill(-run.pid, "SIGKILL");
            } catch {
              /* already gone */
            }
          }
          mark("scheduler killed");
          scheduler = newScheduler();
          const recovery = await poll(
            "the new scheduler recovering the dead deploy's stack",
            () => scheduler.lines.find((l) => /recovered the stack of a dead deploy/.test(l.msg)),
            2 * MINUTES,
          );
          mark("recovered");
          writeFileSync(release, "");
          expect(recovery.fields, "the dead deploy's lock cleared without a human").toMatchObject({
            lockCleared: true,
          });
          expect(dying.length, "the killed up was recorded").toBeGreaterThan(0);
          for (const pid of dying.flatMap((r) => [r.pid, ...r.children]))
            expect(isAlive(pid), `engine process ${pid} of the dead deploy`).toBe(false);

          // The end: every job done, every worker retired, every server gone.
          await poll(
            "the queue empty, the pools empty and Nova without worker servers",
            async () => {
              if ((await queue()).length > 0) return undefined;
              const pools = poolFiles(git);
              if (Object.values(pools).some((w) => w.length > 0)) return undefined;
              return (await workerServers()).length === 0 ? true : undefined;
            },
            4 * MINUTES,
            1000,
          ).catch((err: unknown) => {
            // Reported as figures below (leaked servers), not as a timeout.
            console.log(`[chaos] ${(err as Error).message}`);
          });
          mark("settled");
        } finally {
          watching = false;
          resumeNova();
          await Promise.all(watchers);
        }
        const exit = await scheduler.stop();
        expect(exit, scheduler.tail()).toEqual({ code: 0, signal: null });

        // --- The figures ---------------------------------------------------------------------
        const submitted = [
          ...Array.from({ length: FIRST_JOBS }, (_, i) => `${clusters[0]}.${i}`),
          ...Array.from({ length: SECOND_JOBS }, (_, i) => `${clusters[1]}.${i}`),
        ];
        const history: HistoryJob[] = (
          await pool.historyAds([
            "-constraint",
            clusters.map((c) => `ClusterId == ${c}`).join(" || "),
            "-attributes",
            "ClusterId,ProcId,JobStatus,NumJobStarts,LastRemoteHost,JobCurrentStartDate,CompletionDate",
          ])
        ).map((j) => ({
          job: `${j.ClusterId}.${j.ProcId}`,
          jobStatus: Number(j.JobStatus),
          numJobStarts: Number(j.NumJobStarts ?? 0),
          worker: workerOfHost(j.LastRemoteHost, WORKER_IDENTITY_DOMAIN),
          startedAt:
            j.JobCurrentStartDate === undefined ? undefined : Number(j.JobCurrentStartDate),
          completedAt: j.CompletionDate === undefined ? undefined : Number(j.CompletionDate),
        }));
        const jobs = jobFigures(submitted, history);

        const actions: WorkerAction[] = [
          ...schedulerActions(logLines()),
          ...gitActions(git),
          ...novaDeletions(serverSamples),
        ];
        const busyHits = busyActions(actions, history, queueSamples);
        const leftServers = await workerServers();
        const duplicates = duplicateNames(serverSamples);
        const pools = poolFiles(git);

        const seconds = (at: number | undefined) =>
          at === undefined ? "never" : `+${Math.round((at - started) / 1000)} s`;
        const figures = {
          "jobs lost": jobs.lost.length,
          "busy workers drained": busyHits.filter((h) => h.kind === "drain").length,
          "busy workers deleted": busyHits.filter((h) => h.kind === "delete").length,
          "servers leaked": leftServers.length,
          "servers duplicated": duplicates.length,
        };
        console.log("[chaos] figures (each must be 0):");
        console.table(figures);
        console.log("[chaos] jobs running at each disruption:", jobsDuring);
        console.log(
          "[chaos] timeline:",
          Object.fromEntries(Object.entries(marks).map(([k, v]) => [k, seconds(v)])),
        );
        console.log(
          `[chaos] ${submitted.length} jobs, ${new Set(serverSamples.flatMap((s) => s.servers.map((x) => x.id))).size} servers seen, ${actions.filter((a) => a.kind === "drain").length} drain and ${actions.filter((a) => a.kind === "delete").length} delete records checked; broken VM ${brokenServer}, ERROR VM ${errored}`,
        );
        writeFileSync(
          join(root, "test/htcondor/.last-chaos-figures.json"),
          `${JSON.stringify({ figures, jobsDuring, marks: Object.fromEntries(Object.entries(marks).map(([k, v]) => [k, seconds(v)])), busyHits, lost: jobs.lost, restarted: jobs.restarted, leftServers, duplicates, history }, null, 2)}\n`,
        );

        expect({ lost: jobs.lost, restarted: jobs.restarted }).toEqual({ lost: [], restarted: [] });
        expect(busyHits).toEqual([]);
        expect(leftServers).toEqual([]);
        expect(Object.values(pools).flat()).toEqual([]);
        expect(duplicates).toEqual([]);

        // Each disruption happened with jobs running, and the scheduler felt it.
        for (const [what, count] of Object.entries(jobsDuring))
          expect(count, what).toBeGreaterThan(0);
        const lines = logLines();
        const decided = (kind: string, worker?: string) =>
          lines.some(
            (l) =>
              l.fields.decision === kind &&
              (worker === undefined ||
                (Array.isArray(l.fields.workers) && l.fields.workers.includes(worker))),
          );
        expect(brokenServer).toBeDefined();
        expect(decided("retire-unhealthy", brokenServer), "the broken VM drained").toBe(true);
        expect(
          history.some((h) => h.worker === brokenServer),
          "no job ran on the broken VM",
        ).toBe(false);
        expect(decided("drifted"), "busy drifted workers kept").toBe(true);
        expect(decided("failed", errored), "the ERROR server removed once idle").toBe(true);
        expect(
          history.find((h) => h.worker === errored),
          "the ERROR server's job completed there",
        ).toBeDefined();
      },
      12 * MINUTES,
    );
  },
);

/** `count` jobs for demo-vm that run until `release` exists (FIRST_MAX_SECONDS at most). */
function heldJobs(dir: string, file: string, release: string, count: number): void {
  const script = join(dir, "until-released.sh");
  writeFileSync(
    script,
    [
      "#!/bin/sh",
      `i=0; while [ ! -e "$1" ] && [ $i -lt ${FIRST_MAX_SECONDS} ]; do sleep 1; i=$((i+1)); done`,
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  sleepJobs(dir, file, { vmType: "demo-vm", count, seconds: 0 });
  const submit = readFileSync(join(dir, file), "utf8")
    .replace("Executable = /bin/sleep", `Executable = ${script}`)
    .replace(/^Arguments {2}= .*$/m, `Arguments  = ${release}`);
  if (!submit.includes(script) || !submit.includes(release))
    throw new Error(`could not turn ${file} into held jobs`);
  writeFileSync(join(dir, file), submit);
}

/** Withdraws the slot (Machine) ads matching `constraint` from the collector; "" does nothing. */
async function invalidateSlotAds(pool: CondorPool, constraint: string): Promise<void> {
  if (constraint === "") return;
  const file = join(POOL_DIR, `chaos-invalidate-${process.pid}.ad`);
  writeFileSync(file, `MyType = "Query"\nTargetType = "Machine"\nRequirements = ${constraint}\n`);
  try {
    const result = await pool.tool("condor_advertise", ["INVALIDATE_STARTD_ADS", file]);
    if (result.code !== 0) throw new Error(`condor_advertise: ${result.stderr}`);
  } finally {
    rmSync(file, { force: true });
  }
}

/** The workers of every pool file at HEAD. */
function poolFiles(git: (...args: string[]) => string): Record<string, { name: string }[]> {
  const pools: Record<string, { name: string }[]> = {};
  const files = git("ls-tree", "--name-only", "HEAD", "pool/")
    .split("\n")
    .filter((f) => f.endsWith(".json"));
  for (const file of files) {
    pools[file] = (
      JSON.parse(git("show", `HEAD:${file}`)) as { workers: { name: string }[] }
    ).workers;
  }
  return pools;
}

/** Drains (retires HTCondor accepted) and deletes (engine, sweep) from the scheduler's log. */
function schedulerActions(lines: readonly LogLine[]): WorkerAction[] {
  const actions: WorkerAction[] = [];
  for (const l of lines) {
    if (typeof l.fields.retire === "string" && typeof l.fields.worker === "string") {
      actions.push({ kind: "drain", worker: l.fields.worker, from: l.at, to: l.at, source: "log" });
    }
    const engine = /openstack:compute:Instance (\S+) deleting/.exec(l.msg);
    if (engine?.[1]) {
      actions.push({ kind: "delete", worker: engine[1], from: l.at, to: l.at, source: "engine" });
    }
    if (typeof l.fields.server === "string" && typeof l.fields.id === "string") {
      actions.push({
        kind: "delete",
        worker: l.fields.server,
        from: l.at,
        to: l.at,
        source: "sweep",
      });
    }
  }
  return actions;
}

/** From the pool's git history: workers that became draining, and workers removed. */
function gitActions(git: (...args: string[]) => string): WorkerAction[] {
  const actions: WorkerAction[] = [];
  const commits = git("log", "--reverse", "--format=%H %ct", "--", "pool")
    .trim()
    .split("\n")
    .filter((l) => l !== "");
  let previous = new Map<string, string>();
  for (const line of commits) {
    const [hash, time] = line.split(" ") as [string, string];
    const at = Number(time) * 1000;
    const now = new Map<string, string>();
    const files = git("ls-tree", "--name-only", hash, "pool/")
      .split("\n")
      .filter((f) => f.endsWith(".json"));
    for (const file of files) {
      const workers = (
        JSON.parse(git("show", `${hash}:${file}`)) as { workers: { name: string; state: string }[] }
      ).workers;
      for (const w of workers) now.set(w.name, w.state);
    }
    for (const [name, state] of now) {
      if (state === "draining" && previous.get(name) !== "draining")
        actions.push({ kind: "drain", worker: name, from: at, to: at + 999, source: "git" });
    }
    for (const name of previous.keys()) {
      if (!now.has(name))
        actions.push({ kind: "delete", worker: name, from: at, to: at + 999, source: "git" });
    }
    previous = now;
  }
  return actions;
}

/** Servers Nova stopped listing, between the last look that had them and the first that did not. */
function novaDeletions(samples: readonly ServerSample[]): WorkerAction[] {
  // A server missing from one listing and listed again later was not deleted (a deleted server's
  // id never comes back): one CI run got a listing without a running worker while Nova's API was
  // stopped, and the worker went on to finish its job. Only the last disappearance counts.
  const lastListed = new Map<string, number>();
  samples.forEach((sample, i) => {
    for (const server of sample.servers) lastListed.set(server.id, i);
  });
  const actions: WorkerAction[] = [];
  for (let i = 1; i < samples.length; i++) {
    const before = samples[i - 1] as ServerSample;
    const after = samples[i] as ServerSample;
    for (const server of before.servers) {
      if ((lastListed.get(server.id) ?? -1) >= i) continue;
      if (!after.servers.some((s) => s.id === server.id)) {
        actions.push({
          kind: "delete",
          worker: server.name,
          from: before.at,
          to: after.at,
          source: "nova",
        });
      }
    }
  }
  return actions;
}
