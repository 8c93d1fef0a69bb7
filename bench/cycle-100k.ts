// Benchmark: one real scheduler cycle (scheduler/run/cycle.ts runCycle) on a 100k-job answer,
// from asking condor_q to a committed pool, beside the 5-second cycle it has to fit in.
// Run with `npm run bench cycle-100k` (or `npx tsx bench/cycle-100k.ts`).
//
// The world: 20 clouds, 5,000 registered workers (250 per cloud; some running jobs) in the pool
// files of a real git config repo; condor_q and condor_status are the stand-ins of test/bin
// replaying a generated answer in HTCondor's exact layout (100k idle jobs from the real ads of
// test/fixtures/condor/condor_q.projected.json, 40 owners; the workers' slots from
// condor_status.projected.json); the deployer is the in-memory one; launch digests are made as
// the daemon makes them. Each run starts from the same repo state (git reset) and runs two cycles
// on one memory: the first (cold) is judged against the 5-second cycle, the second (steady: the
// same answer, on the pools the first committed) is shown beside it. Medians of 3 runs, with
// where the time went.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { stringify } from "yaml";
import { CommandLineCondor } from "../scheduler/condor/client.js";
import { parseConfig } from "../scheduler/config/load.js";
import { BackoffTracker } from "../scheduler/deploy/backoff.js";
import { MemoryDeployer } from "../scheduler/deploy/memory-deployer.js";
import { ConfigRepo } from "../scheduler/pool/repo.js";
import type { PoolWorker } from "../scheduler/pool/types.js";
import { CycleMemory, type CycleReport, runCycle } from "../scheduler/run/cycle.js";
import type { CycleLogger } from "../scheduler/run/logger.js";
import { RepoPoolFiles } from "../scheduler/run/pool-files.js";
import { perConfig } from "../scheduler/state/launch.js";
import { launchDigests } from "../stacks/launch-settings.js";
import { type BenchRow, formatRows } from "./lib/row.js";

const JOBS = 100_000;
const CLOUDS = 20;
const WORKERS_PER_CLOUD = 250;
const OWNERS = 40;
const RUNS = 3;
/** The worker settings launch digests read (the daemon's environment gives CONDOR_HOST). */
const LAUNCH_SOURCES = {
  env: { CLOUDSCHEDULER_WORKER_CONDOR_HOST: "cm.example.org" },
  username: "bench",
};
const CYCLE_MS = 5000;
const NOW = 1_795_596_600;
const FIXTURES = fileURLToPath(new URL("../test/fixtures/condor/", import.meta.url));
const STANDIN_BIN = fileURLToPath(new URL("../test/bin/", import.meta.url));

const cloudNames = Array.from(
  { length: CLOUDS },
  (_, i) => `cloud${String(i + 1).padStart(2, "0")}`,
);

function siteYaml(): string {
  return stringify({
    version: 1,
    clouds: Object.fromEntries(
      cloudNames.map((name, i) => [
        name,
        {
          cloud: name,
          network: "workers",
          weight: 1 + (i % 3),
          quota: { instances: 2000, cores: 8000, ram_mb: 16_000_000 },
          flavors: ["m1.small", "m1.large"],
          images: ["NEP52-batch"],
        },
      ]),
    ),
    vm_types: {
      "demo-vm": {
        image: "NEP52-batch",
        flavor: "m1.small",
        cores: 2,
        ram_mb: 4096,
        disk_gb: 20,
        keep_alive: "10m",
      },
    },
    flavors: { "m1.large": { cores: 4, ram_mb: 8192, disk_gb: 40 } },
    ports: { worker_cidrs: ["0.0.0.0/0"] },
    policy: { max_boots_per_cycle: 50 },
  });
}

/** The ads of a fixture as HTCondor printed them (text between the separator lines). */
function fixtureAds(name: string): string[] {
  return readFileSync(path.join(FIXTURES, name), "utf8").trim().slice(2, -2).split("\n,\n");
}

function answer(ads: Iterable<string>): string {
  const parts = ["[\n"];
  let first = true;
  for (const ad of ads) {
    parts.push(first ? ad : `\n,\n${ad}`);
    first = false;
  }
  parts.push("\n]\n");
  return parts.join("");
}

/** 100k idle jobs: the fixture's demo-1 and four-core ads, renumbered, of 40 owners. */
function* jobAds(): Generator<string> {
  const ads = fixtureAds("condor_q.projected.json");
  const templates = [ads[0], ads[5]] as string[];
  for (let i = 0; i < JOBS; i++) {
    yield (templates[i % 2] as string)
      .replace(/"ClusterId": \d+/, `"ClusterId": ${1 + Math.floor(i / 1000)}`)
      .replace(/"ProcId": \d+/, `"ProcId": ${i % 1000}`)
      .replace(/"Owner": "[^"]*"/, `"Owner": "user${String(i % OWNERS).padStart(2, "0")}"`);
  }
}

/** Every pool worker's slots: a partitionable slot and 0-2 dynamic (busy) ones. */
function* slotAds(workers: PoolWorker[]): Generator<string> {
  const [pslot, dslot] = fixtureAds("condor_status.projected.json") as [string, string];
  for (let i = 0; i < workers.length; i++) {
    const worker = workers[i] as PoolWorker;
    const machine = `${worker.name}.workers.example.org`;
    const busy = i % 3;
    const at = (ad: string, name: string) =>
      ad
        .replaceAll("vm.cloudscheduler.test", machine)
        .replace(/"Name": "[^"]*"/, `"Name": "${name}@${machine}"`)
        .replace(/"CloudSchedulerVM": "[^"]*"/, `"CloudSchedulerVM": "${worker.name}"`);
    yield at(pslot, "slot1")
      .replace(/"Cpus": \d+/, `"Cpus": ${2 - busy}`)
      .replace(/"Memory": \d+/, `"Memory": ${4096 - busy * 1024}`);
    for (let j = 1; j <= busy; j++) yield at(dslot, `slot1_${j}`);
  }
}

function poolWorkers(cloud: string): PoolWorker[] {
  return Array.from({ length: WORKERS_PER_CLOUD }, (_, i) => ({
    name: `cs-${cloud}-demo-vm-${String(i + 1).padStart(4, "0")}`,
    vmType: "demo-vm",
    image: "NEP52-batch",
    flavor: "m1.small",
    cores: 2,
    ramMb: 4096,
    diskGb: 20,
    state: "registered",
    createdAt: NOW - 7200,
    ...(i % 3 === 0 ? { idleSince: NOW - 300 } : {}),
    keepAliveSeconds: 600,
  }));
}

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
  }).trim();
}

const quiet: CycleLogger = { info() {}, warn() {}, error() {} };

interface Timed {
  report: CycleReport;
  totalMs: number;
  observeMs: number;
  commitMs: number;
  deployMs: number;
}

/**
 * A daemon's first two cycles on one memory (scheduler/run/cycle.ts CycleMemory): the first
 * starts cold (no demand cache, launch digests not made yet), the second is steady: the same
 * answer, on the pool files the first committed.
 */
async function twoCycles(dir: string, env: NodeJS.ProcessEnv, yaml: string): Promise<Timed[]> {
  const config = parseConfig(yaml, "cloudscheduler.yaml");
  const repo = await ConfigRepo.open(dir);
  const files = new RepoPoolFiles(repo);
  const deployer = new MemoryDeployer();
  const condor = new CommandLineCondor(config.condor, {
    binDir: STANDIN_BIN,
    env,
    workerIdentity: "unchecked",
  });
  let observing = 0;
  let commitMs = 0;
  let deployMs = 0;
  const timed =
    <A extends unknown[], R>(add: (ms: number) => void, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const started = performance.now();
      try {
        return await fn(...args);
      } finally {
        add(performance.now() - started);
      }
    };
  const observed = (ms: number) => {
    observing = Math.max(observing, ms);
  };
  const deps = {
    condor: {
      jobs: timed(observed, () => condor.jobs()),
      workers: timed(observed, () => condor.workers()),
      drain: (machine: string, reason: string) => condor.drain(machine, reason),
      peacefulOff: (machine: string) => condor.peacefulOff(machine),
    },
    pools: {
      readAll: (clouds: string[]) => files.readAll(clouds),
      save: timed(
        (ms) => {
          commitMs += ms;
        },
        (pools: Record<string, PoolWorker[]>, message: (paths: string[]) => string) =>
          files.save(pools, message),
      ),
      remove: (clouds: string[], message: string) => files.remove(clouds, message),
      gitPath: (cloud: string) => files.gitPath(cloud),
    },
    deployer: {
      up: timed((ms) => {
        deployMs += ms;
      }, deployer.up.bind(deployer)),
      preview: deployer.preview.bind(deployer),
      instances: deployer.instances.bind(deployer),
      destroy: deployer.destroy.bind(deployer),
      unfinished: deployer.unfinished.bind(deployer),
      recover: deployer.recover.bind(deployer),
    },
    backoff: new BackoffTracker(),
    log: quiet,
    // As the daemon wires them (cli/actions/run.ts): made once per config.
    launch: perConfig((current: typeof config) => launchDigests(current, LAUNCH_SOURCES)),
  };
  const memory = new CycleMemory();
  const timings: Timed[] = [];
  for (let cycle = 0; cycle < 2; cycle++) {
    observing = 0;
    commitMs = 0;
    deployMs = 0;
    const started = performance.now();
    const report = await runCycle(deps, memory, config, "bench", NOW + cycle * 5);
    const totalMs = performance.now() - started;
    if (report.error) throw new Error(report.error);
    if (cycle === 0 && report.commit === undefined) throw new Error("the cycle committed nothing");
    timings.push({ report, totalMs, observeMs: observing, commitMs, deployMs });
  }
  return timings;
}

export async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(path.join(tmpdir(), "cycle-bench-"));
  try {
    const site = path.join(dir, "site");
    mkdirSync(path.join(site, "pool"), { recursive: true });
    const yaml = siteYaml();
    writeFileSync(path.join(site, "cloudscheduler.yaml"), yaml);
    const workers: PoolWorker[] = [];
    for (const cloud of cloudNames) {
      const pool = poolWorkers(cloud);
      workers.push(...pool);
      writeFileSync(
        path.join(site, "pool", `${cloud}.json`),
        `${JSON.stringify({ version: 1, cloud, workers: pool }, null, 2)}\n`,
      );
    }
    git(site, "init", "-q", "-b", "main");
    git(site, "add", ".");
    git(
      site,
      "-c",
      "user.name=bench",
      "-c",
      "user.email=bench@example.org",
      "commit",
      "-qm",
      "site",
    );
    const start = git(site, "rev-parse", "HEAD");
    const qFile = path.join(dir, "condor_q.json");
    const statusFile = path.join(dir, "condor_status.json");
    writeFileSync(qFile, answer(jobAds()));
    writeFileSync(statusFile, answer(slotAds(workers)));
    const env = {
      PATH: process.env.PATH,
      CONDOR_STANDIN_Q: qFile,
      CONDOR_STANDIN_STATUS: statusFile,
    };

    const runs: Timed[] = [];
    const steady: Timed[] = [];
    for (let i = 0; i < RUNS; i++) {
      git(site, "reset", "-q", "--hard", start);
      const [first, second] = await twoCycles(site, env, yaml);
      runs.push(first as Timed);
      steady.push(second as Timed);
    }
    runs.sort((a, b) => a.totalMs - b.totalMs);
    steady.sort((a, b) => a.totalMs - b.totalMs);
    const steadyMedian = steady[Math.floor(RUNS / 2)] as Timed;
    const median = runs[Math.floor(RUNS / 2)] as Timed;
    const slowest = runs[RUNS - 1] as Timed;
    const boots = (median.report.plan?.decisions ?? [])
      .filter((d) => d.kind === "boot")
      .reduce((n, d) => n + (d.count ?? 0), 0);
    const budget = { name: "one cycle (policy.cycle)", value: CYCLE_MS };
    const total = { name: "the whole cycle", value: Math.round(median.totalMs) };
    const mib = (file: string) => Number((readFileSync(file).length / 1024 / 1024).toFixed(1));
    return [
      {
        name: `cycle, condor_q to committed pool: ${JOBS} jobs, ${workers.length} workers (median of ${RUNS})`,
        value: Math.round(median.totalMs),
        unit: "ms",
        reference: budget,
      },
      {
        name: "cycle: slowest run",
        value: Math.round(slowest.totalMs),
        unit: "ms",
        reference: budget,
      },
      {
        name: "  observe: condor_q + condor_status stand-ins, parsed (in parallel)",
        value: Math.round(median.observeMs),
        unit: "ms",
        reference: total,
      },
      {
        name: "  plan and retire",
        value: Math.round(median.totalMs - median.observeMs - median.commitMs - median.deployMs),
        unit: "ms",
        reference: total,
      },
      {
        name: "  write pool files + git commit",
        value: Math.round(median.commitMs),
        unit: "ms",
        reference: total,
      },
      {
        name: "  deploy (in-memory deployer)",
        value: Math.round(median.deployMs),
        unit: "ms",
        reference: total,
      },
      {
        name: `steady cycle (the second on one memory, the same answer): median of ${RUNS}`,
        value: Math.round(steadyMedian.totalMs),
        unit: "ms",
        reference: budget,
      },
      {
        name: "  observe (steady)",
        value: Math.round(steadyMedian.observeMs),
        unit: "ms",
        reference: { name: "the steady cycle", value: Math.round(steadyMedian.totalMs) },
      },
      {
        name: "  plan and retire (steady)",
        value: Math.round(
          steadyMedian.totalMs -
            steadyMedian.observeMs -
            steadyMedian.commitMs -
            steadyMedian.deployMs,
        ),
        unit: "ms",
        reference: { name: "the steady cycle", value: Math.round(steadyMedian.totalMs) },
      },
      {
        name: "  write pool files + git commit (steady)",
        value: Math.round(steadyMedian.commitMs),
        unit: "ms",
        reference: { name: "the steady cycle", value: Math.round(steadyMedian.totalMs) },
      },
      { name: "condor_q answer", value: mib(qFile), unit: "MiB" },
      { name: "workers booted by the cycle", value: boots, unit: "workers" },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(formatRows(await run()));
}
