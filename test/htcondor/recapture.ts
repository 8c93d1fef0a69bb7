// Re-records the real HTCondor answers the fast tier replays (test/fixtures/condor/) from a real
// pool, so the replays cannot drift from HTCondor. The scenario is the one the fixtures were first
// made with (test/fixtures/condor/README.md): 12 jobs of the submit files in submit/ with no
// startd; one worker (pool entry cs-alberta-demo-vm-0001, 2 cpus, 4096 MB) idle, then running
// demo-1 jobs 1.0 and 1.1; drain and peaceful off; the schedd down.
//
// Normalised only as the originals were: the worker is renamed `vm.cloudscheduler.test`, the
// submitter's account and directories `guest`, and every Unix time is shifted so that the capture starts at 1795596400 (tests inject
// "now" near it). Run by test/htcondor/recapture.sh on a fresh pool (cluster ids from 1).
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { workerMachine } from "../../scheduler/identity/worker-identity.js";
import { ROOT } from "../support/condor-world.js";
import { GuestHost } from "./guests.js";
import { type CondorPool, type ToolResult, waitFor } from "./pool.js";
import { submitDir, workerGuest } from "./workers.js";

export const CAPTURE_BASE_TIME = 1_795_596_400;
const SUBMIT_FILES = [
  "demo-1.sub",
  "demo-big.sub",
  "target-cloud.sub",
  "to-hold.sub",
  "plain.sub",
  "hostile.sub",
];
const JOB_PROJECTION =
  "ClusterId,ProcId,JobStatus,Owner,QDate,EnteredCurrentStatus,RequestCpus,RequestMemory,RequestDisk,VMType,VMAMI,VMInstanceType,VMKeepAlive,VMCPUCores,VMMem,VMStorage,TargetClouds,Requirements,JobPrio";
const RUNNING_PROJECTION = `${JOB_PROJECTION},RemoteHost,JobStartDate,LastRejMatchReason,AutoClusterId`;
const SLOT_PROJECTION =
  "Name,Machine,SlotType,State,Activity,Cpus,Memory,TotalSlotCpus,ChildState,EnteredCurrentState,EnteredCurrentActivity,CloudSchedulerVM,VMType,StartdIpAddr,MyCurrentTime,LastHeardFrom,DaemonStartTime";
/**
 * The worker's name while recording. Not "vm": that is this machine's own name, which the
 * central manager's master carries, and condor_off -name would reach it instead. Renamed to
 * FIXTURE_MACHINE in the files, as the first recording had it.
 */
const MACHINE = workerMachine("cs-alberta-demo-vm-0001");
const FIXTURE_MACHINE = "vm.cloudscheduler.test";

/** One recorded answer: stdout (and stderr when it says something) of one command. */
export interface Capture {
  name: string;
  result: ToolResult;
}

/** Runs the scenario on `pool` and returns every answer, raw (see normalise()). */
export async function captureAnswers(
  pool: CondorPool,
  log: (line: string) => void,
): Promise<{ captures: Capture[]; dir: string }> {
  const out: Capture[] = [];
  const record = (name: string, result: ToolResult) => {
    out.push({ name, result });
    log(`${name}: exit ${result.code}, ${result.stdout.length} bytes`);
  };
  const dir = submitDir("recapture");
  for (const file of [...SUBMIT_FILES, "pi.sh"]) {
    copyFileSync(join(ROOT, "test/fixtures/condor/submit", file), join(dir, file));
  }
  await pool.asSubmitter("chmod", ["a+rx", "pi.sh"], dir).catch(() => undefined);
  const asGuest = (args: string[]) => pool.asSubmitter("condor_q", args, dir);

  record("condor_version.txt", await pool.tool("condor_version", []));
  record("condor_q.empty.json", await asGuest(["-json"]));
  record("condor_q.empty.global.json", await asGuest(["-json", "-global"]));

  // One worker as the product renders it (host "vm", pool entry cs-alberta-demo-vm-0001).
  const host = new GuestHost(pool);
  const spec = await workerGuest(pool, {
    name: "cs-alberta-demo-vm-0001",
    hostname: "cs-recapture-worker",
    domain: "cloudscheduler.test",
    vmType: "demo-vm",
    cpus: 2,
    memoryMb: 4096,
  });
  const slotsOfWorker = (attributes: string) =>
    pool.statusAds(["-constraint", `Machine == "${MACHINE}"`, "-attributes", attributes]);
  const clusters: number[] = [];
  try {
    // Idle first, with no job queued; then a peaceful off, after which its ads vanish at once.
    await host.start("recapture-idle", spec);
    await waitFor(
      "the idle worker's slot",
      async () => {
        const ads = await slotsOfWorker("Name,State,Cpus");
        return ads.length === 1 && ads[0]?.State === "Unclaimed" && ads[0]?.Cpus === 2
          ? true
          : undefined;
      },
      120_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 6_000)); // one update interval: ads settle
    record("condor_status.idle.json", await pool.tool("condor_status", ["-json"]));
    await pool.tool("condor_off", ["-peaceful", "-startd", "-name", MACHINE]);
    await waitFor("the idle worker gone", async () =>
      (await slotsOfWorker("Name")).length === 0 ? true : undefined,
    );
    await host.killAll();

    // The 12 jobs with no startd.
    for (const file of SUBMIT_FILES) clusters.push(await pool.submit(dir, file));
    const held = clusters[SUBMIT_FILES.indexOf("to-hold.sub")];
    await pool.tool("condor_hold", [String(held)]);
    await waitFor("the held job", async () => {
      const ads = await pool.queueAds([
        "-constraint",
        `ClusterId == ${held}`,
        "-attributes",
        "JobStatus",
      ]);
      return ads[0]?.JobStatus === 5 ? true : undefined;
    });
    record("condor_q.all.json", await asGuest(["-json"]));
    record("condor_q.projected.json", await asGuest(["-json", "-attributes", JOB_PROJECTION]));

    // The worker again: demo-1 jobs 1.0 and 1.1 run on its two cores.
    const worker = await host.start("recapture-busy", spec);
    if (worker.machine !== MACHINE) throw new Error(`worker machine ${worker.machine}`);
    // Running, with their first usage report (ResidentSetSize) in the queue.
    await waitFor(
      "2 demo-1 jobs running with their usage",
      async () => {
        const ads = await pool.queueAds([
          "-constraint",
          `ClusterId == ${clusters[0]} && JobStatus == 2 && ResidentSetSize > 0`,
          "-attributes",
          "ProcId",
        ]);
        return ads.length === 2 ? true : undefined;
      },
      120_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 6_000)); // one update interval: ads settle
    record("condor_q.running.json", await pool.tool("condor_q", ["-json", "-allusers"]));
    record(
      "condor_q.running.projected.json",
      await pool.tool("condor_q", ["-json", "-allusers", "-attributes", RUNNING_PROJECTION]),
    );
    record("condor_status.busy.json", await pool.tool("condor_status", ["-json"]));
    record(
      "condor_status.projected.json",
      await pool.tool("condor_status", ["-json", "-attributes", SLOT_PROJECTION]),
    );
    record(
      "condor_status.startd-daemon-ad.json",
      await pool.tool("condor_status", ["-json", "-any", "-constraint", 'MyType == "StartD"']),
    );
    record("condor_drain.txt", await pool.tool("condor_drain", ["-graceful", MACHINE]));
    record(
      "condor_drain.unknown-name.txt",
      await pool.tool("condor_drain", ["-graceful", "nosuch-vm.cloudscheduler.test"]),
    );
    record(
      "condor_off.peaceful.txt",
      await pool.tool("condor_off", ["-peaceful", "-startd", "-name", MACHINE]),
    );
    record(
      "condor_off.peaceful.unknown-name.txt",
      await pool.tool("condor_off", [
        "-peaceful",
        "-startd",
        "-name",
        "nosuch-vm.cloudscheduler.test",
      ]),
    );
  } finally {
    for (const cluster of clusters) await pool.tool("condor_rm", [String(cluster)]);
    await host.killAll();
  }

  // The schedd down: condor_q's answer.
  await pool.tool("condor_off", ["-schedd"]);
  await waitFor(
    "the schedd gone",
    async () => ((await asGuest(["-json"])).code !== 0 ? true : undefined),
    60_000,
  );
  record("condor_q.schedd-down.json", await asGuest(["-json"]));
  await pool.tool("condor_on", ["-schedd"]);
  await waitFor(
    "the schedd back",
    async () => ((await asGuest(["-json"])).code === 0 ? true : undefined),
    60_000,
  );
  return { captures: out, dir };
}

/** Shifts Unix times so the capture starts at CAPTURE_BASE_TIME; renames the submitter's paths. */
export function normalise(
  text: string,
  captureStart: number,
  submitter: { user: string; dir: string },
): string {
  const shift = CAPTURE_BASE_TIME - captureStart;
  const window = [captureStart - 2 * 86_400, captureStart + 2 * 86_400];
  return text
    .replaceAll(MACHINE, FIXTURE_MACHINE)
    .replaceAll(MACHINE.split(".")[0] as string, FIXTURE_MACHINE.split(".")[0] as string)
    .replaceAll(submitter.dir, "/home/guest/demo")
    .replaceAll(submitter.user, "guest")
    .replace(/(?<![\d.])1\d{9}(?![\d.])/g, (digits) => {
      const value = Number(digits);
      return value >= (window[0] as number) && value <= (window[1] as number)
        ? String(value + shift)
        : digits;
    });
}

/** Writes the captured answers as fixture files (<name> = stdout, <name>.stderr = stderr). */
export function writeFixtures(
  captures: Capture[],
  outDir: string,
  captureStart: number,
  submitter: { user: string; dir: string },
): string[] {
  const written: string[] = [];
  for (const { name, result } of captures) {
    const stdoutName = name.endsWith(".stderr") ? name.slice(0, -7) : name;
    if (result.stdout !== "" || result.code === 0) {
      writeFileSync(join(outDir, stdoutName), normalise(result.stdout, captureStart, submitter));
      written.push(stdoutName);
    }
    if (result.stderr.trim() !== "") {
      writeFileSync(
        join(outDir, `${stdoutName}.stderr`),
        normalise(result.stderr, captureStart, submitter),
      );
      written.push(`${stdoutName}.stderr`);
    }
  }
  const projected = readFileSync(join(outDir, "condor_q.projected.json"));
  writeFileSync(join(outDir, "condor_q.truncated.json"), projected.subarray(0, 2000));
  written.push("condor_q.truncated.json");
  return written;
}
