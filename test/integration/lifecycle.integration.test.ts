// The worker lifecycle against the real local cloud and the real Pulumi engine: the Nova
// inventory, drift without replacement (ignoreChanges), the orphan sweep through the cycle, and
// a scheduler SIGKILLed during `up` whose successor recovers without a human. Every claim is
// checked in Nova itself, never in Pulumi's view of it.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { isOwnWorker } from "../../scheduler/cloud/inventory.js";
import { NovaInventory } from "../../scheduler/cloud/nova-inventory.js";
import type { ObservedWorker } from "../../scheduler/condor/types.js";
import { credentialsForCloud, nodeCredentialSources } from "../../scheduler/config/credentials.js";
import { parseConfig } from "../../scheduler/config/load.js";
import type { Config } from "../../scheduler/config/schema.js";
import { Secret } from "../../scheduler/config/secret.js";
import {
  AutomationDeployer,
  type PoolProgramFactory,
} from "../../scheduler/deploy/automation-deployer.js";
import { BackoffTracker } from "../../scheduler/deploy/backoff.js";
import { EngineRuns } from "../../scheduler/deploy/engine-runs.js";
import { isAlive } from "../../scheduler/deploy/processes.js";
import { type CycleDeps, runCycle } from "../../scheduler/run/cycle.js";
import { recordingLogger } from "../../scheduler/run/logger.js";
import { CycleMemory } from "../../scheduler/run/memory.js";
import { MemoryPoolFiles } from "../../scheduler/run/memory-pool-files.js";
import { poolProgramWith } from "../../stacks/pool.js";
import { securityGroupName } from "../../stacks/ports.js";
import { credentialResolver } from "../../stacks/providers.js";
import {
  acquireCloudLock,
  describeIntegration,
  type PulumiSandbox,
  pulumiSandbox,
} from "../support/integration.js";
import { OpenStackApi, userDataOf, writtenFile } from "../support/openstack-api.js";
import {
  CREATED_AT,
  ensureSecurityGroup,
  poolWorker,
  workerServers,
} from "../support/pool-fixtures.js";
import { QuietCondor } from "../support/quiet-condor.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const CLOUD = "alberta";
const MINUTES = 60_000;
const OWNER = "cs-int-lifecycle";
const CONFIG_TEXT = readFileSync(join(root, "examples/site/cloudscheduler.yaml"), "utf8")
  .replace(
    "    network: cs-workers # Neutron",
    "    key_pair: site-admin\n    network: cs-workers # Neutron",
  )
  // Orphans are swept at once here: the grace period is the planner's (unit-tested) business.
  .replace("  retire_with: drain", "  retire_with: drain\n  orphan_grace: 0s");
const config: Config = parseConfig(CONFIG_TEXT, "cloudscheduler.yaml");
const CONDOR_CONF = "/etc/condor/config.d/50-cloudscheduler.conf";

function busyStartd(name: string): ObservedWorker {
  const machine = `${name}.novalocal`;
  return {
    workerName: name,
    machine,
    vmType: "demo-vm",
    runningJobs: 1,
    draining: false,
    slots: [
      {
        name: `slot1@${machine}`,
        machine,
        slotType: "Partitionable",
        state: "Unclaimed",
        activity: "Idle",
        cpus: 1,
        memoryMb: 2048,
        workerName: name,
        draining: false,
      },
      {
        name: `slot1_1@${machine}`,
        machine,
        slotType: "Dynamic",
        state: "Claimed",
        activity: "Busy",
        cpus: 1,
        memoryMb: 2048,
        workerName: name,
        draining: false,
      },
    ],
  };
}

describeIntegration("worker lifecycle against the local cloud", () => {
  let release: () => void = () => {};
  let sandbox: PulumiSandbox;
  let member: OpenStackApi;
  let admin: OpenStackApi;
  let dropGroup: () => Promise<void> = async () => {};
  let deployer: AutomationDeployer;
  let inventory: NovaInventory;
  const servers = () => workerServers(admin, member, "cs-alberta-demo-vm-");
  const cloud = config.clouds[CLOUD] as Config["clouds"][string];
  const workers = [1, 2].map((n) => poolWorker(config, CLOUD, "demo-vm", n));

  /** A deployer whose pool program renders with `env` (CONDOR_HOST...). */
  const deployerWith = (env: Record<string, string>) => {
    const credentials = credentialResolver(nodeCredentialSources(sandbox.env));
    const program: PoolProgramFactory = (input) =>
      poolProgramWith(input, { env, credentials, username: "integration" });
    return new AutomationDeployer({
      configDir: join(sandbox.dir, "config"),
      deploy: sandbox.deploy,
      env: sandbox.env,
      program,
    });
  };

  beforeAll(async () => {
    release = await acquireCloudLock();
    sandbox = pulumiSandbox("lifecycle");
    member = await OpenStackApi.forEntry(CLOUD);
    admin = await OpenStackApi.admin("RegionOne");
    dropGroup = await ensureSecurityGroup(member, securityGroupName(CLOUD));
    deployer = deployerWith({});
    inventory = new NovaInventory((name, c) =>
      credentialsForCloud(name, c, nodeCredentialSources(sandbox.env)),
    );
    expect(await servers()).toEqual([]);
  }, 10 * MINUTES);

  afterAll(async () => {
    try {
      await deployer?.destroy(CLOUD).catch(() => undefined);
      // Whatever a test left outside the stack goes too; then Nova must hold none of ours.
      for (const server of await servers()) await admin.deleteServer(server.id);
      await admin.waitForServers(servers, (list) => list.length === 0, 5 * MINUTES);
    } finally {
      await dropGroup();
      release();
      if (sandbox) rmSync(sandbox.dir, { recursive: true, force: true });
    }
  }, 10 * MINUTES);

  test(
    "the Nova inventory lists this installation's worker servers: id, status, owner tag, created time",
    async () => {
      const result = await deployer.up({ cloudName: CLOUD, cloud, config, workers, owner: OWNER });
      await admin.waitForServers(
        servers,
        (list) => list.length === 2 && list.every((s) => s.status === "ACTIVE"),
        5 * MINUTES,
      );
      const listed = (await inventory.listWorkers(CLOUD, cloud)).filter((s) =>
        isOwnWorker(s, OWNER),
      );
      expect(listed.map((s) => s.name).sort()).toEqual(workers.map((w) => w.name));
      for (const server of listed) {
        expect(server.status).toBe("ACTIVE");
        expect(server.metadata).toMatchObject({
          cloudscheduler: "worker",
          cloudscheduler_owner: OWNER,
          vm_type: "demo-vm",
        });
        expect(server.createdAt).toBeGreaterThan(Date.now() / 1000 - 3600);
        expect(result.instances.find((i) => i.name === server.name)?.id).toBe(server.id);
      }
    },
    10 * MINUTES,
  );

  test(
    "a new token and CONDOR_HOST replace and update no server on the real engine (ignoreChanges); a new worker gets them",
    async () => {
      const before = new Map((await servers()).map((s) => [s.name, s]));
      const changed = parseConfig(
        CONFIG_TEXT.replace(
          "worker_condor_host: cloudscheduler.example.org",
          "worker_condor_host: cm2.cloudscheduler.test",
        ),
        "cloudscheduler.yaml",
      );
      const rotated = deployerWith({});
      // As if each worker were minted a new IDTOKEN: it changes its user-data, nothing else.
      const workerTokens = new Map(
        workers.map((w) => [
          w.name,
          {
            worker: w.name,
            identity: `${w.name}@workers.cloudscheduler`,
            tokenId: `re-minted-${w.name}`,
            issuedAt: CREATED_AT,
            expiresAt: CREATED_AT + 8 * 86_400,
            token: new Secret(`eyJhbGciOiJIUzI1NiJ9.re-minted.${w.name}`),
          },
        ]),
      );
      const same = await rotated.up({
        cloudName: CLOUD,
        cloud,
        config: changed,
        workers,
        owner: OWNER,
        workerTokens,
      });
      expect(same.changes).toMatchObject({ create: 0, update: 0, delete: 0 });
      for (const server of await servers()) {
        expect(server.id).toBe(before.get(server.name)?.id);
        expect(writtenFile(userDataOf(server), CONDOR_CONF)).toContain(
          "CONDOR_HOST = cloudscheduler.example.org",
        );
      }
      const third = poolWorker(config, CLOUD, "demo-vm", 3);
      const added = await rotated.up({
        cloudName: CLOUD,
        cloud,
        config: changed,
        workers: [...workers, third],
        owner: OWNER,
      });
      expect(added.changes).toMatchObject({ create: 1, update: 0, delete: 0 });
      const fresh = (await servers()).find((s) => s.name === third.name);
      expect(fresh && writtenFile(userDataOf(fresh), CONDOR_CONF)).toContain(
        "CONDOR_HOST = cm2.cloudscheduler.test",
      );
      // Back to the two workers (deletes the third only).
      const back = await deployer.up({ cloudName: CLOUD, cloud, config, workers, owner: OWNER });
      expect(back.changes).toMatchObject({ create: 0, delete: 1 });
    },
    15 * MINUTES,
  );

  test(
    "the orphan sweep deletes our server in no pool, never one whose startd runs a job, never another owner's",
    async () => {
      const spec = { image: "cernvm-demo", flavor: "m1.small", network: "cs-workers" };
      const ours = { cloudscheduler: "worker", cloudscheduler_owner: OWNER };
      const leftover = await member.createServer({
        ...spec,
        name: "cs-alberta-demo-vm-0091",
        metadata: ours,
      });
      const busy = await member.createServer({
        ...spec,
        name: "cs-alberta-demo-vm-0092",
        metadata: ours,
      });
      const foreign = await member.createServer({
        ...spec,
        name: "cs-alberta-demo-vm-0093",
        metadata: { cloudscheduler: "worker", cloudscheduler_owner: "another-scheduler" },
      });
      const condor = new QuietCondor();
      condor.startds = [
        ...workers.map((w) => busyStartd(w.name)),
        busyStartd("cs-alberta-demo-vm-0092"),
      ];
      const files = new MemoryPoolFiles({
        [CLOUD]: workers.map((w) => ({ ...w, state: "registered" as const })),
      });
      const deps: CycleDeps = {
        condor,
        deployer,
        pools: files,
        backoff: new BackoffTracker(),
        log: recordingLogger(),
        inventory,
        owner: OWNER,
      };
      const report = await runCycle(deps, new CycleMemory(), config, "int", CREATED_AT + 60);
      expect(report.error).toBeUndefined();
      expect(report.deletedServers.map((d) => d.id)).toEqual([leftover]);
      await admin.waitForServers(
        servers,
        (list) => !list.some((s) => s.id === leftover),
        3 * MINUTES,
      );
      const left = (await servers()).map((s) => s.id);
      expect(left).toEqual(expect.arrayContaining([busy, foreign]));
      expect(left).toHaveLength(4);
      for (const id of [busy, foreign]) await admin.deleteServer(id);
      await admin.waitForServers(servers, (list) => list.length === 2, 3 * MINUTES);
    },
    10 * MINUTES,
  );

  test(
    "SIGKILL during up: the next scheduler stops the dead deploy's engine, clears its lock, replaces what it left half-made, and leaks nothing",
    async () => {
      const configFile = join(sandbox.dir, "cloudscheduler.yaml");
      writeFileSync(configFile, CONFIG_TEXT);
      mkdirSync(join(sandbox.dir, "config"), { recursive: true });
      const more = [3, 4].map((n) => ({
        ...poolWorker(config, CLOUD, "demo-vm", n),
        createdAt: CREATED_AT + 100,
      }));
      const committed = [...workers.map((w) => ({ ...w, state: "registered" as const })), ...more];
      const child = spawn(
        join(root, "node_modules/.bin/tsx"),
        [
          join(root, "test/integration/helpers/up-in-child.ts"),
          JSON.stringify({
            configDir: join(sandbox.dir, "config"),
            configFile,
            deploy: sandbox.deploy,
            workers: committed,
            owner: OWNER,
          }),
        ],
        { env: sandbox.env, stdio: ["ignore", "pipe", "pipe"] },
      );
      let childOutput = "";
      child.stdout?.on("data", (d: Buffer) => (childOutput += d.toString()));
      child.stderr?.on("data", (d: Buffer) => (childOutput += d.toString()));
      // Kill it once Nova has been asked for one of the new servers and the engine's plugins are
      // recorded: the engine is mid-create, waiting for it to become ACTIVE.
      const runs = new EngineRuns(join(sandbox.env.CLOUDSCHEDULER_STATE_DIR as string, "engine"));
      const upRun = () => runs.list().find((r) => r.operation === "up" && r.children.length > 0);
      const deadline = Date.now() + 5 * MINUTES;
      for (;;) {
        const listed = await admin.servers({ projectId: member.projectId });
        if (upRun() && listed.some((s) => more.some((m) => m.name === s.name))) break;
        if (Date.now() > deadline) throw new Error(`the up never got going: ${childOutput}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const run = upRun();
      expect(run, childOutput).toMatchObject({ stack: "pool-alberta", operation: "up" });
      // The whole scheduler dies (its service's processes: tsx's node and the CLI); the
      // provider plugins, each in a process group of its own, stay.
      process.kill(run?.owner as number, "SIGKILL");
      child.kill("SIGKILL");
      process.kill(run?.pid as number, "SIGKILL");
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(run?.children.length, "the CLI's plugins were recorded").toBeGreaterThan(0);

      const successor = deployerWith({});
      expect(
        await successor.unfinished(),
        JSON.stringify({ runs: runs.list(), owner: run?.owner, alive: isAlive(run?.owner ?? 0) }),
      ).toEqual([CLOUD]);
      const condor = new QuietCondor();
      condor.startds = workers.map((w) => busyStartd(w.name));
      const files = new MemoryPoolFiles({ [CLOUD]: committed });
      const deps: CycleDeps = {
        condor,
        deployer: successor,
        pools: files,
        backoff: new BackoffTracker(),
        log: recordingLogger(),
        inventory,
        owner: OWNER,
      };
      const memory = new CycleMemory();
      const first = await runCycle(deps, memory, config, "int", CREATED_AT + 200);
      expect(first.recoveries, JSON.stringify(first.recoveries)).toEqual([
        expect.objectContaining({ cloud: CLOUD, lockCleared: true }),
      ]);
      expect(first.deploys.filter((d) => !d.ok)).toEqual([]);
      // No process of the dead deploy is left running.
      for (const pid of [run?.pid ?? 0, ...(run?.children ?? [])]) expect(isAlive(pid)).toBe(false);
      expect(await successor.unfinished()).toEqual([]);

      // A second cycle sweeps what the dead up made outside the stack; then Nova holds exactly
      // the pool, each name once.
      await runCycle(deps, memory, config, "int", CREATED_AT + 260);
      await runCycle(deps, memory, config, "int", CREATED_AT + 320);
      const pool = (files.pools[CLOUD] ?? []).map((w) => w.name).sort();
      const final = await admin.waitForServers(
        servers,
        (list) =>
          list.length === pool.length &&
          list.every((s) => s.status === "ACTIVE" || s.status === "BUILD"),
        5 * MINUTES,
      );
      expect(final.map((s) => s.name).sort()).toEqual(pool);
      expect(new Set(final.map((s) => s.name)).size).toBe(final.length);
    },
    20 * MINUTES,
  );
});
