import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CommandLineCondor } from "../../scheduler/condor/client.js";
import { loadConfigDir } from "../../scheduler/config/load.js";
import { BackoffTracker } from "../../scheduler/deploy/backoff.js";
import { MemoryDeployer } from "../../scheduler/deploy/memory-deployer.js";
import { ConfigRepo } from "../../scheduler/pool/repo.js";
import { readPoolFile } from "../../scheduler/pool/store.js";
import { CycleMemory, runCycle } from "../../scheduler/run/cycle.js";
import { recordingLogger } from "../../scheduler/run/logger.js";
import { RepoPoolFiles } from "../../scheduler/run/pool-files.js";
import { renderAds } from "../../scheduler/sim/condor-json.js";
import {
  git,
  primitive,
  type RawAd,
  readAds,
  ROOT as root,
  startdAds,
} from "../support/condor-world.js";

const T0 = 1_795_596_400;

describe("end to end: demand -> pool -> deploy -> drain -> removal", () => {
  it("boots workers for idle demo jobs, keeps them while busy, drains them after keep-alive, removes them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cs-e2e-"));
    const repoDir = join(dir, "config");
    const condorDir = join(dir, "condor");
    mkdirSync(repoDir);
    mkdirSync(condorDir);
    copyFileSync(
      join(root, "examples/site/cloudscheduler.yaml"),
      join(repoDir, "cloudscheduler.yaml"),
    );
    git(repoDir, "init", "-q", "-b", "main");
    git(repoDir, "-c", "user.name=Admin", "-c", "user.email=admin@example.org", "add", ".");
    git(
      repoDir,
      "-c",
      "user.name=Admin",
      "-c",
      "user.email=admin@example.org",
      "commit",
      "-qm",
      "site config",
    );

    const config = await loadConfigDir(repoDir);
    const callLog = join(dir, "calls.jsonl");
    const condor = new CommandLineCondor(config.condor, {
      binDir: join(root, "test/bin"),
      // The replayed ads are a personal pool's (condor@family): no worker identity to check.
      workerIdentity: "unchecked",
      env: { ...process.env, CONDOR_STANDIN_DIR: condorDir, CONDOR_STANDIN_LOG: callLog },
    });
    const deployer = new MemoryDeployer();
    const deps = {
      condor,
      deployer,
      pools: new RepoPoolFiles(await ConfigRepo.open(repoDir)),
      backoff: new BackoffTracker(),
      log: recordingLogger(),
    };
    const memory = new CycleMemory();
    const world = (jobs: RawAd[], slots: RawAd[]) => {
      writeFileSync(join(condorDir, "condor_q.stdout"), renderAds(jobs.map(primitive)));
      writeFileSync(join(condorDir, "condor_status.stdout"), renderAds(slots.map(primitive)));
      for (const tool of ["condor_drain", "condor_off"])
        writeFileSync(join(condorDir, `${tool}.stdout`), "");
    };
    const cycle = (now: number) => runCycle(deps, memory, config, "test", now);
    const poolNames = async () =>
      (
        await Promise.all(
          ["alberta", "victoria"].map(async (c) => (await readPoolFile(repoDir, c))?.workers ?? []),
        )
      )
        .flat()
        .map((w) => w.name)
        .sort();

    // 1. Five idle demo-1 jobs (real ads, cluster 1), no startds yet.
    const demoJobs = readAds("condor_q.all.json").filter((ad) => ad.ClusterId === 1);
    expect(demoJobs).toHaveLength(5);
    world(demoJobs, []);
    const first = await cycle(T0);
    expect(first.error).toBeUndefined();
    const planned = await poolNames();
    // One core per job, two per demo-vm worker: three workers, spread 2:1 by weight.
    expect(planned).toEqual([
      "cs-alberta-demo-vm-0001",
      "cs-alberta-demo-vm-0002",
      "cs-victoria-demo-vm-0001",
    ]);
    const ups = deployer.calls.filter((c) => c.operation === "up" && c.outcome === "ok");
    expect(ups.flatMap((c) => c.workers ?? []).sort()).toEqual(planned);
    const instanceIds = new Map(
      (await Promise.all(["alberta", "victoria"].map((c) => deployer.instances(c))))
        .flat()
        .map((i) => [i.name, i.id]),
    );
    expect([...instanceIds.keys()].sort()).toEqual(planned);

    // 2. The startds register and run the jobs (two per worker, one on the last).
    const running = demoJobs.map((job, i) => {
      const worker = planned[Math.floor(i / 2)] as string;
      return {
        ...job,
        JobStatus: 2,
        RemoteHost: `slot1_${(i % 2) + 1}@${worker}.cloudscheduler.test`,
      };
    });
    world(
      running,
      planned.flatMap((w) => startdAds("condor_status.busy.json", w)),
    );
    const second = await cycle(T0 + 60);
    expect(second.retired).toEqual([]);
    expect(second.plan?.decisions.filter((d) => d.kind === "boot")).toEqual([]);
    for (const cloud of ["alberta", "victoria"]) {
      for (const w of (await readPoolFile(repoDir, cloud))?.workers ?? [])
        expect(w.state).toBe("registered");
    }
    // Touching the pool again changed no instance: same names, same ids.
    const after = (
      await Promise.all(["alberta", "victoria"].map((c) => deployer.instances(c)))
    ).flat();
    expect(new Map(after.map((i) => [i.name, i.id]))).toEqual(instanceIds);

    // 3. The jobs finish: the queue is empty (0 bytes) and the startds idle. Keep-alive holds them.
    world(
      [],
      planned.flatMap((w) => startdAds("condor_status.idle.json", w)),
    );
    const third = await cycle(T0 + 120);
    expect(third.retired).toEqual([]);
    expect(await poolNames()).toEqual(planned);

    // 4. Past the keep-alive (demo-vm: 10m): each worker is drained, never deleted yet.
    const drainAt = T0 + 120 + 600 + 60;
    const fourth = await cycle(drainAt);
    expect(fourth.retired.map((r) => r.worker).sort()).toEqual(planned);
    const drains = readFileSync(callLog, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { tool: string; args: string[] })
      .filter((call) => call.tool === "condor_drain");
    expect(drains.map((d) => d.args.at(-1)).sort()).toEqual(
      planned.map((w) => `${w}.cloudscheduler.test`),
    );
    for (const d of drains) expect(d.args.slice(0, 2)).toEqual(["-graceful", "-reason"]);
    expect(await poolNames()).toEqual(planned);

    // 5. HTCondor shows them drained and empty: removed from the pool, deleted by the deploy.
    world(
      [],
      planned.flatMap((w) =>
        startdAds("condor_status.idle.json", w, (ad) => ({
          ...ad,
          State: "Drained",
          Activity: "Idle",
          Draining: true,
        })),
      ),
    );
    const fifth = await cycle(drainAt + 60);
    expect(fifth.error).toBeUndefined();
    expect(await poolNames()).toEqual([]);
    expect(
      (await Promise.all(["alberta", "victoria"].map((c) => deployer.instances(c)))).flat(),
    ).toEqual([]);

    // The pool's git history tells the story, newest first.
    expect(
      git(repoDir, "log", "--format=%B", "--", "pool/").replace(/\n+/g, "\n").trim().split("\n"),
    ).toEqual([
      "2 clouds: alberta, victoria",
      "alberta: -2 demo-vm drained",
      "victoria: -1 demo-vm drained",
      "2 clouds: alberta, victoria",
      "alberta: -2 demo-vm idle 10m",
      "victoria: -1 demo-vm idle 10m",
      "2 clouds: alberta, victoria",
      "alberta: 2 went idle",
      "victoria: 1 went idle",
      "2 clouds: alberta, victoria",
      "alberta: 2 registered",
      "victoria: 1 registered",
      "2 clouds: alberta, victoria",
      "alberta: +2 demo-vm (image NEP52-batch) for 4 idle jobs",
      "victoria: +1 demo-vm (image NEP52-batch) for 1 idle job",
    ]);
  });
});
