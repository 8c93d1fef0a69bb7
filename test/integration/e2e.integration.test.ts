import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { parse, stringify } from "yaml";
import { CommandLineCondor } from "../../scheduler/condor/client.js";
import { loadConfigDir } from "../../scheduler/config/load.js";
import type { Config } from "../../scheduler/config/schema.js";
import { AutomationDeployer } from "../../scheduler/deploy/automation-deployer.js";
import { BackoffTracker } from "../../scheduler/deploy/backoff.js";
import { ConfigRepo } from "../../scheduler/pool/repo.js";
import { readPoolFile } from "../../scheduler/pool/store.js";
import { fixedConfig } from "../../scheduler/run/config-source.js";
import type { CycleDeps, CycleReport } from "../../scheduler/run/cycle.js";
import { runDaemon } from "../../scheduler/run/daemon.js";
import { recordingLogger } from "../../scheduler/run/logger.js";
import { RepoPoolFiles } from "../../scheduler/run/pool-files.js";
import { renderAds } from "../../scheduler/sim/condor-json.js";
import { securityGroupName } from "../../stacks/ports.js";
import {
  git,
  primitive,
  type RawAd,
  readAds,
  ROOT as root,
  startdAds,
} from "../support/condor-world.js";
import {
  acquireCloudLock,
  describeIntegration,
  type PulumiSandbox,
  pulumiSandbox,
} from "../support/integration.js";
import { type NovaServer, OpenStackApi } from "../support/openstack-api.js";
import { ensureSecurityGroup, workerServers } from "../support/pool-fixtures.js";

const T0 = 1_795_596_400;
const MINUTES = 60_000;
const CLOUD = "alberta";

/** The example site with alberta only (its key pair set) and no image copies. */
function siteConfigText(): string {
  const raw = parse(readFileSync(join(root, "examples/site/cloudscheduler.yaml"), "utf8"));
  delete raw.clouds.victoria;
  delete raw.images;
  raw.clouds.alberta.key_pair = "site-admin";
  return stringify(raw);
}

describeIntegration("end to end on the local cloud: demand -> servers -> drain -> deleted", () => {
  let release: () => void = () => {};
  let sandbox: PulumiSandbox;
  let member: OpenStackApi;
  let admin: OpenStackApi;
  let dropGroup: () => Promise<void> = async () => {};
  let deployer: AutomationDeployer | undefined;
  const servers = () => workerServers(admin, member, "cs-alberta-");

  beforeAll(async () => {
    release = await acquireCloudLock();
    sandbox = pulumiSandbox("e2e");
    member = await OpenStackApi.forEntry(CLOUD);
    admin = await OpenStackApi.admin("RegionOne");
    dropGroup = await ensureSecurityGroup(member, securityGroupName(CLOUD));
    expect(await servers()).toEqual([]);
  }, 10 * MINUTES);

  afterAll(async () => {
    try {
      await deployer?.destroy(CLOUD);
      expect(await servers()).toEqual([]);
    } finally {
      await dropGroup();
      release();
      if (sandbox) rmSync(sandbox.dir, { recursive: true, force: true });
    }
  }, 5 * MINUTES);

  test(
    "idle demo jobs boot servers, busy ones keep them, drained ones are deleted; git log tells it",
    async () => {
      const repoDir = join(sandbox.dir, "config");
      const condorDir = join(sandbox.dir, "condor");
      mkdirSync(repoDir);
      mkdirSync(condorDir);
      writeFileSync(join(repoDir, "cloudscheduler.yaml"), siteConfigText());
      const who = ["-c", "user.name=Admin", "-c", "user.email=admin@example.org"];
      git(repoDir, "init", "-q", "-b", "main");
      git(repoDir, ...who, "add", ".");
      git(repoDir, ...who, "commit", "-qm", "site config");

      const config: Config = await loadConfigDir(repoDir);
      const callLog = join(sandbox.dir, "calls.jsonl");
      deployer = new AutomationDeployer({
        configDir: repoDir,
        deploy: sandbox.deploy,
        env: sandbox.env,
      });
      const deps: CycleDeps = {
        condor: new CommandLineCondor(config.condor, {
          binDir: join(root, "test/bin"),
          // Stand-in ads carry no worker identity (test/htcondor/ has the real-pool checks).
          workerIdentity: "unchecked",
          env: { ...process.env, CONDOR_STANDIN_DIR: condorDir, CONDOR_STANDIN_LOG: callLog },
        }),
        deployer,
        pools: new RepoPoolFiles(await ConfigRepo.open(repoDir)),
        backoff: new BackoffTracker(),
        log: recordingLogger(),
      };
      const world = (jobs: RawAd[], slots: RawAd[]) => {
        writeFileSync(join(condorDir, "condor_q.stdout"), renderAds(jobs.map(primitive)));
        writeFileSync(join(condorDir, "condor_status.stdout"), renderAds(slots.map(primitive)));
        for (const tool of ["condor_drain", "condor_off"])
          writeFileSync(join(condorDir, `${tool}.stdout`), "");
      };
      /** One pass of the daemon loop at `now` (the clock is injected; nothing sleeps). */
      const cycle = async (now: number): Promise<CycleReport> => {
        const reports: CycleReport[] = [];
        await runDaemon({
          deps,
          config: fixedConfig(config, "integration"),
          clock: { now: () => now, sleep: async () => {} },
          signal: new AbortController().signal,
          maxCycles: 1,
          onCycle: (report) => {
            reports.push(report);
          },
        });
        const [report] = reports;
        if (!report) throw new Error("the daemon ran no cycle");
        expect(report.error).toBeUndefined();
        return report;
      };
      const poolNames = async () =>
        ((await readPoolFile(repoDir, CLOUD))?.workers ?? []).map((w) => w.name).sort();
      const ids = (list: NovaServer[]) => new Map(list.map((s) => [s.name, s.id]));

      // 1. Five idle demo-1 jobs (real ads), no startds: three demo-vm workers, booted for real.
      const demoJobs = readAds("condor_q.all.json").filter((ad) => ad.ClusterId === 1);
      expect(demoJobs).toHaveLength(5);
      world(demoJobs, []);
      const first = await cycle(T0);
      const planned = await poolNames();
      expect(planned).toEqual([
        "cs-alberta-demo-vm-0001",
        "cs-alberta-demo-vm-0002",
        "cs-alberta-demo-vm-0003",
      ]);
      expect(first.deploys).toMatchObject([{ cloud: CLOUD, ok: true, changes: { create: 5 } }]);
      const booted = await servers();
      expect(booted.map((s) => s.name)).toEqual(planned);
      const [image] = await member.images({ name: "NEP52-batch" });
      for (const s of booted) {
        expect(s.status).toBe("ACTIVE");
        expect(s.image).toMatchObject({ id: image?.id });
        expect(s.flavor.original_name).toBe("m1.small");
        expect(s.metadata).toMatchObject({
          cloudscheduler: "worker",
          vm_type: "demo-vm",
          cloud: CLOUD,
        });
      }
      const bootedIds = ids(booted);

      // 2. The startds register and run the jobs: the pool changes state, Nova does not.
      const running = demoJobs.map((job, i) => ({
        ...job,
        JobStatus: 2,
        RemoteHost: `slot1_${(i % 2) + 1}@${planned[Math.floor(i / 2)]}.cloudscheduler.test`,
      }));
      world(
        running,
        planned.flatMap((w) => startdAds("condor_status.busy.json", w)),
      );
      const second = await cycle(T0 + 60);
      expect(second.retired).toEqual([]);
      for (const w of (await readPoolFile(repoDir, CLOUD))?.workers ?? [])
        expect(w.state).toBe("registered");
      for (const d of second.deploys)
        expect(d.changes).toMatchObject({ create: 0, update: 0, delete: 0 });
      expect(ids(await servers())).toEqual(bootedIds);

      // 3. The jobs finish (empty queue, idle startds): keep-alive holds the servers.
      world(
        [],
        planned.flatMap((w) => startdAds("condor_status.idle.json", w)),
      );
      const third = await cycle(T0 + 120);
      expect(third.retired).toEqual([]);
      expect(ids(await servers())).toEqual(bootedIds);

      // 4. Past the keep-alive (demo-vm: 10m): drained through condor_drain, servers still there.
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
      expect(ids(await servers())).toEqual(bootedIds);

      // 5. HTCondor shows them drained and empty: out of the pool, and deleted from Nova.
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
      expect(await poolNames()).toEqual([]);
      expect(fifth.deploys).toMatchObject([
        { cloud: CLOUD, ok: true, changes: { create: 0, delete: 3 } },
      ]);
      expect(await servers()).toEqual([]);

      // The pool's git history tells the story, newest first.
      expect(
        git(repoDir, "log", "--format=%B", "--", "pool/").replace(/\n+/g, "\n").trim().split("\n"),
      ).toEqual([
        "alberta: -3 demo-vm drained",
        "alberta: -3 demo-vm idle 10m",
        "alberta: 3 went idle",
        "alberta: 3 registered",
        "alberta: +3 demo-vm (image NEP52-batch) for 5 idle jobs",
      ]);
    },
    10 * MINUTES,
  );
});
