// The sandbox: the real scheduler daemon (runDaemon) against two simulated clouds and the demo
// jobs, in simulated time, with a temporary config repo (git init from examples/site) whose
// pool/ history tells the story. No credentials, no HTCondor, no network.
import { copyFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { simpleGit } from "simple-git";
import { CONFIG_FILE, loadConfigDir } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { BackoffTracker } from "../deploy/backoff.js";
import { ConfigRepo, SCHEDULER_IDENTITY } from "../pool/repo.js";
import { fixedConfig } from "../run/config-source.js";
import type { CycleReport } from "../run/cycle.js";
import { runDaemon } from "../run/daemon.js";
import { recordingLogger } from "../run/logger.js";
import { RepoPoolFiles } from "../run/pool-files.js";
import { EventQueue } from "./event-queue.js";
import { mockedPoolProgram } from "./pulumi-program.js";
import { seededRandom } from "./random.js";
import { sandboxJobs } from "./sandbox-jobs.js";
import { sandboxScreen } from "./sandbox-screen.js";
import { SimClock } from "./sim-clock.js";
import { type CloudBehaviour, DEFAULT_BEHAVIOUR, SimCloud } from "./sim-cloud.js";
import { SimCondor } from "./sim-condor.js";
import { EXAMPLE_SITE_DIR } from "./sim-config.js";

export interface SandboxOptions {
  /** Simulated seconds per real second; Infinity runs flat out (tests). */
  speed: number;
  /** Stop after this many cycles even if work remains. */
  maxCycles?: number;
  /** Unix seconds the simulation starts at. */
  start: number;
  /** Where the config repo goes; default a new temp dir. */
  dir?: string;
  seed?: number;
  behaviour?: CloudBehaviour;
  /**
   * Starts whatever watches the sandbox besides the screen (the status service: dashboard,
   * /metrics), given the simulated clock and back-off; told of the config and every cycle.
   */
  status?: (now: () => number, backoff: BackoffTracker) => Promise<SandboxStatus>;
  /** Run the pool Pulumi program under mocks for every deploy (default true). */
  pulumiMocks?: boolean;
  /** Receives the status screen after each cycle. */
  show: (screen: string, report: CycleReport) => void;
  signal?: AbortSignal;
}

export interface SandboxStatus {
  configLoaded(config: Config, revision: string): Promise<void> | void;
  onCycle(report: CycleReport): Promise<void> | void;
}

export interface SandboxResult {
  dir: string;
  cycles: number;
  /** Every job done and every worker retired. */
  finished: boolean;
  jobsDone: number;
  totalJobs: number;
  boots: number;
  drains: number;
  /** Most instances that existed at once, and on which clouds workers ran. */
  peakWorkers: number;
  cloudsUsed: string[];
  jobsEvicted: number;
}

/** Makes a git repo holding the example site's cloudscheduler.yaml, committed. */
export async function createSandboxRepo(dir?: string): Promise<string> {
  const target = dir ?? (await mkdtemp(path.join(tmpdir(), "cloudscheduler-sandbox-")));
  await copyFile(
    fileURLToPath(new URL(CONFIG_FILE, EXAMPLE_SITE_DIR)),
    path.join(target, CONFIG_FILE),
  );
  const git = simpleGit({
    baseDir: target,
    config: [`user.name=${SCHEDULER_IDENTITY.name}`, `user.email=${SCHEDULER_IDENTITY.email}`],
  });
  await git.raw(["init", "--quiet", "--initial-branch=main"]);
  await git.raw(["add", CONFIG_FILE]);
  await git.raw([
    "commit",
    "--quiet",
    "--no-verify",
    "-m",
    "sandbox: the example site (examples/site)",
  ]);
  return target;
}

export async function runSandbox(options: SandboxOptions): Promise<SandboxResult> {
  const dir = await createSandboxRepo(options.dir);
  const config: Config = await loadConfigDir(dir);
  const repo = await ConfigRepo.open(dir);
  const revision = await repo.head();
  const events = new EventQueue(options.start);
  const condor = new SimCondor(events);
  const mocked = options.pulumiMocks === false ? undefined : await mockedPoolProgram(1);
  const behaviour = options.behaviour ?? DEFAULT_BEHAVIOUR;
  const cloud = new SimCloud(
    events,
    condor,
    seededRandom(options.seed ?? 1),
    () => behaviour,
    mocked?.program,
  );
  const jobs = sandboxJobs(options.start);
  for (const job of jobs) events.at(job.submit, () => condor.submit(job));
  const pools = new RepoPoolFiles(repo);
  const controller = new AbortController();
  options.signal?.addEventListener("abort", () => controller.abort(), { once: true });
  const log = recordingLogger();
  let cycles = 0;
  let finished = false;
  const cloudsUsed = new Set<string>();
  const clock = new SimClock(events, options.speed);
  const backoff = new BackoffTracker();
  const status = await options.status?.(() => clock.now(), backoff);
  await status?.configLoaded(config, revision);
  await runDaemon({
    deps: { condor, deployer: cloud, pools, backoff, log },
    config: fixedConfig(config, revision),
    clock,
    signal: controller.signal,
    ...(options.maxCycles === undefined ? {} : { maxCycles: options.maxCycles }),
    onCycle: async (report) => {
      cycles++;
      await status?.onCycle(report);
      const poolsNow = report.plan?.pools ?? (await pools.readAll(Object.keys(config.clouds)));
      for (const [name, workers] of Object.entries(poolsNow))
        if (workers.length > 0) cloudsUsed.add(name);
      options.show(
        sandboxScreen({
          cycle: cycles,
          start: options.start,
          report,
          config,
          pools: poolsNow,
          condor,
          cloud,
          totalJobs: jobs.length,
        }),
        report,
      );
      const live = Object.values(cloud.liveByCloud()).reduce((a, b) => a + b, 0);
      const poolEmpty = Object.values(poolsNow).every((w) => w.length === 0);
      if (condor.counters.finished === jobs.length && live === 0 && poolEmpty) {
        finished = true;
        controller.abort();
      }
    },
  });
  return {
    dir,
    cycles,
    finished,
    jobsDone: condor.counters.finished,
    totalJobs: jobs.length,
    boots: cloud.counters.created,
    drains: condor.counters.drains + condor.counters.peacefulOffs,
    peakWorkers: cloud.peakInstances,
    cloudsUsed: [...cloudsUsed].sort(),
    jobsEvicted: condor.counters.evicted,
  };
}
