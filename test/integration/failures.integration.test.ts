// The deploy module's failure classes, for real: each failure is produced by the real cloud or
// the real engine, goes through runCycle with a BackoffTracker, is classified as the deploy
// module claims and backs the cloud off; the next cycle (cause fixed, back-off over) recovers,
// and Nova then holds exactly the desired servers: none leaked, none duplicated, none replaced.
//
// "Keystone stopped" is produced with a clouds.yaml whose auth_url names a closed port on
// loopback (127.0.0.1:15999) rather than by stopping Keystone: the other suites and the cloud's
// own services share that Keystone, and a bogus port gives the same "connection refused".
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { nodeCredentialSources } from "../../scheduler/config/credentials.js";
import { parseConfig } from "../../scheduler/config/load.js";
import type { Config } from "../../scheduler/config/schema.js";
import {
  AutomationDeployer,
  type PoolProgramFactory,
} from "../../scheduler/deploy/automation-deployer.js";
import { BackoffTracker } from "../../scheduler/deploy/backoff.js";
import type { PoolWorker } from "../../scheduler/pool/types.js";
import { CycleMemory, type CycleReport, runCycle } from "../../scheduler/run/cycle.js";
import { recordingLogger } from "../../scheduler/run/logger.js";
import { poolProgramWith } from "../../stacks/pool.js";
import { securityGroupName } from "../../stacks/ports.js";
import { type CredentialResolver, credentialResolver } from "../../stacks/providers.js";
import { fixedPlanner, MemoryPoolFiles, quietCondor } from "../support/cycle-doubles.js";
import {
  acquireCloudLock,
  describeIntegration,
  type PulumiSandbox,
  pulumiSandbox,
} from "../support/integration.js";
import { OpenStackApi } from "../support/openstack-api.js";
import {
  CREATED_AT,
  ensureSecurityGroup,
  poolWorker,
  workerServers,
} from "../support/pool-fixtures.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const CLOUD = "alberta";
const MINUTES = 60_000;
const EXAMPLE = readFileSync(join(root, "examples/site/cloudscheduler.yaml"), "utf8");
const config: Config = parseConfig(EXAMPLE, "cloudscheduler.yaml");
/** The same config without condor.worker_condor_host: the pool program must refuse it. */
const brokenConfig: Config = parseConfig(
  EXAMPLE.replace(/^ {2}worker_condor_host:.*$/m, ""),
  "cloudscheduler.yaml",
);
const workers = [1, 2, 3, 4].map((n) => poolWorker(config, CLOUD, "demo-vm", n));
const BAD_PASSWORD = "not-the-alberta-password";

describeIntegration("deploy failures for real: classified, backed off, recovered", () => {
  let release: () => void = () => {};
  let sandbox: PulumiSandbox;
  let member: OpenStackApi;
  let admin: OpenStackApi;
  let dropGroup: () => Promise<void> = async () => {};
  let good: CredentialResolver;
  let cleanup: AutomationDeployer | undefined;
  const servers = () => workerServers(admin, member, "cs-alberta-demo-vm-");
  const idsByName = new Map<string, string>();

  /** A deployer on the suite's state dir whose pool program uses `credentials`. */
  const deployer = (credentials: CredentialResolver) => {
    const program: PoolProgramFactory = (input) =>
      poolProgramWith(input, {
        env: {},
        credentials,
        username: "integration",
      });
    // Each deployer has its own in-process StackLock, like two scheduler processes would.
    return new AutomationDeployer({
      configDir: join(sandbox.dir, "config"),
      deploy: sandbox.deploy,
      env: sandbox.env,
      program,
    });
  };

  /** A cycle whose planner wants `desired` on alberta. */
  const cycle = (
    d: AutomationDeployer,
    backoff: BackoffTracker,
    memory: CycleMemory,
    desired: PoolWorker[],
    now: number,
    cfg: Config = config,
  ): Promise<CycleReport> =>
    runCycle(
      {
        condor: quietCondor,
        deployer: d,
        pools: new MemoryPoolFiles(),
        backoff,
        log: recordingLogger(),
        planner: fixedPlanner(CLOUD, () => desired),
      },
      memory,
      cfg,
      "integration",
      now,
    );

  /** Nova holds exactly `desired`, once each, ACTIVE, and servers seen before kept their ids. */
  const expectExactly = async (desired: PoolWorker[]) => {
    const found = await servers();
    expect(found.map((s) => s.name)).toEqual(desired.map((w) => w.name));
    for (const s of found) {
      expect(s.status).toBe("ACTIVE");
      const before = idsByName.get(s.name);
      if (before !== undefined) expect(s.id).toBe(before);
      idsByName.set(s.name, s.id);
    }
  };

  /** The failed cycle backed alberta off with `kind` for the policy's first step (30 s). */
  const expectBackedOff = (
    report: CycleReport,
    backoff: BackoffTracker,
    kind: string,
    now: number,
  ) => {
    expect(report.deploys, JSON.stringify(report.deploys)).toHaveLength(1);
    expect(report.deploys[0]).toMatchObject({ cloud: CLOUD, ok: false, errorKind: kind });
    expect(report.deploys[0]?.error).not.toContain(BAD_PASSWORD);
    expect(backoff.snapshot()).toMatchObject([
      { cloud: CLOUD, failures: 1, until: now + 30, lastErrorKind: kind },
    ]);
    expect(backoff.unavailableClouds(now + 29)).toEqual([CLOUD]);
  };

  /** clouds.yaml + secure.yaml copies, edited, as the resolver of a deployer. */
  const editedClouds = (
    name: string,
    edit: { clouds?: (text: string) => string; secure?: (text: string) => string },
  ): CredentialResolver => {
    const configFile = join(sandbox.dir, `${name}.clouds.yaml`);
    const secureFile = join(sandbox.dir, `${name}.secure.yaml`);
    const cloudsText = readFileSync(process.env.OS_CLIENT_CONFIG_FILE ?? "", "utf8");
    const secureText = readFileSync(process.env.OS_CLIENT_SECURE_FILE ?? "", "utf8");
    writeFileSync(configFile, edit.clouds ? edit.clouds(cloudsText) : cloudsText);
    writeFileSync(secureFile, edit.secure ? edit.secure(secureText) : secureText, { mode: 0o600 });
    return credentialResolver(
      nodeCredentialSources({
        OS_CLIENT_CONFIG_FILE: configFile,
        OS_CLIENT_SECURE_FILE: secureFile,
      }),
    );
  };

  beforeAll(async () => {
    release = await acquireCloudLock();
    sandbox = pulumiSandbox("failures");
    member = await OpenStackApi.forEntry(CLOUD);
    admin = await OpenStackApi.admin("RegionOne");
    dropGroup = await ensureSecurityGroup(member, securityGroupName(CLOUD));
    good = credentialResolver(nodeCredentialSources(process.env));
    cleanup = deployer(good);
    expect(await servers()).toEqual([]);
  }, 10 * MINUTES);

  afterAll(async () => {
    try {
      await cleanup?.destroy(CLOUD);
      expect(await servers()).toEqual([]);
    } finally {
      await dropGroup();
      release();
      if (sandbox) rmSync(sandbox.dir, { recursive: true, force: true });
    }
  }, 5 * MINUTES);

  test(
    "wrong password -> auth, backed off; the next cycle with the right one boots the worker",
    async () => {
      const wrong = editedClouds("wrong-password", {
        secure: (text) =>
          text.replace(/(alberta:\n\s+auth:\n\s+password: ).*/, `$1'${BAD_PASSWORD}'`),
      });
      const alberta = config.clouds[CLOUD];
      if (!alberta) throw new Error(CLOUD);
      // The wrong pair still resolves: the cloud, not our parser, must be what refuses it.
      expect((await wrong(CLOUD, alberta)).auth).toMatchObject({ type: "password" });
      const backoff = new BackoffTracker();
      const memory = new CycleMemory();
      const desired = workers.slice(0, 1);
      const failed = await cycle(deployer(wrong), backoff, memory, desired, CREATED_AT);
      expectBackedOff(failed, backoff, "auth", CREATED_AT);
      expect(await servers()).toEqual([]);
      // Inside the back-off window the cloud is not even tried.
      const waiting = await cycle(deployer(good), backoff, memory, desired, CREATED_AT + 10);
      expect(waiting.deploys).toEqual([]);
      const recovered = await cycle(deployer(good), backoff, memory, desired, CREATED_AT + 31);
      expect(recovered.deploys).toMatchObject([{ cloud: CLOUD, ok: true, changes: { delete: 0 } }]);
      expect(backoff.snapshot()).toEqual([]);
      await expectExactly(desired);
    },
    5 * MINUTES,
  );

  test(
    "Keystone unreachable -> cloud-unreachable, backed off; recovered without touching the running worker",
    async () => {
      const down = editedClouds("keystone-down", {
        clouds: (text) => text.replaceAll("127.0.0.1:15000", "127.0.0.1:15999"),
      });
      const backoff = new BackoffTracker();
      const memory = new CycleMemory();
      const desired = workers.slice(0, 2);
      const failed = await cycle(deployer(down), backoff, memory, desired, CREATED_AT);
      expectBackedOff(failed, backoff, "cloud-unreachable", CREATED_AT);
      await expectExactly(workers.slice(0, 1));
      const recovered = await cycle(deployer(good), backoff, memory, desired, CREATED_AT + 31);
      expect(recovered.deploys).toMatchObject([{ ok: true, changes: { create: 1, delete: 0 } }]);
      await expectExactly(desired);
    },
    5 * MINUTES,
  );

  test(
    "Nova quota of 2 instances with 3 wanted -> quota-exceeded, the refused worker undone; recovered after the quota is raised",
    async () => {
      const projectId = member.projectId ?? "";
      const original = await admin.computeQuota(projectId);
      const backoff = new BackoffTracker();
      const memory = new CycleMemory();
      const desired = workers.slice(0, 3);
      // The third worker is planned this cycle (createdAt = now), so the cycle takes it back.
      const fresh = desired.map((w, i) => (i === 2 ? { ...w, createdAt: CREATED_AT + 100 } : w));
      let failed: CycleReport;
      try {
        await admin.setComputeQuota(projectId, { instances: 2 });
        failed = await cycle(deployer(good), backoff, memory, fresh, CREATED_AT + 100);
      } finally {
        await admin.setComputeQuota(projectId, { instances: original.instances });
      }
      expectBackedOff(failed, backoff, "quota-exceeded", CREATED_AT + 100);
      expect(failed.deploys[0]?.undone).toEqual([desired[2]?.name]);
      await expectExactly(workers.slice(0, 2));
      const recovered = await cycle(deployer(good), backoff, memory, desired, CREATED_AT + 131);
      expect(recovered.deploys).toMatchObject([{ ok: true, changes: { create: 1, delete: 0 } }]);
      await expectExactly(desired);
    },
    5 * MINUTES,
  );

  test(
    "two ups on one stack at once (separate in-process locks) -> one lock-held; the next cycle changes nothing",
    async () => {
      const desired = workers.slice(0, 4);
      const [a, b] = [new BackoffTracker(), new BackoffTracker()];
      const [memA, memB] = [new CycleMemory(), new CycleMemory()];
      const reports = await Promise.all([
        cycle(deployer(good), a, memA, desired, CREATED_AT + 200),
        cycle(deployer(good), b, memB, desired, CREATED_AT + 200),
      ]);
      const outcomes = reports.map((r) => r.deploys[0]);
      const won = outcomes.filter((o) => o?.ok);
      const lost = outcomes.filter((o) => !o?.ok);
      expect(won, JSON.stringify(outcomes)).toHaveLength(1);
      expect(lost).toMatchObject([{ cloud: CLOUD, ok: false, errorKind: "lock-held" }]);
      const loser =
        lost[0] === outcomes[0] ? { backoff: a, memory: memA } : { backoff: b, memory: memB };
      expect(loser.backoff.snapshot()).toMatchObject([
        { lastErrorKind: "lock-held", until: CREATED_AT + 230 },
      ]);
      await expectExactly(desired);
      const recovered = await cycle(
        deployer(good),
        loser.backoff,
        loser.memory,
        desired,
        CREATED_AT + 231,
      );
      expect(recovered.deploys).toMatchObject([
        { ok: true, changes: { create: 0, update: 0, delete: 0 } },
      ]);
      await expectExactly(desired);
    },
    5 * MINUTES,
  );

  test(
    "a program error (no CONDOR_HOST for workers) -> program, nothing deleted; recovered with a valid config",
    async () => {
      const desired = workers.slice(0, 4);
      const backoff = new BackoffTracker();
      const memory = new CycleMemory();
      const failed = await cycle(
        deployer(good),
        backoff,
        memory,
        desired,
        CREATED_AT + 300,
        brokenConfig,
      );
      expectBackedOff(failed, backoff, "program", CREATED_AT + 300);
      expect(failed.deploys[0]?.error).toMatch(/worker_condor_host/);
      await expectExactly(desired);
      const recovered = await cycle(deployer(good), backoff, memory, desired, CREATED_AT + 331);
      expect(recovered.deploys).toMatchObject([
        { ok: true, changes: { create: 0, update: 0, delete: 0 } },
      ]);
      await expectExactly(desired);
    },
    5 * MINUTES,
  );
});
