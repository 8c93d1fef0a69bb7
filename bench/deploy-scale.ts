// Deploying at fleet scale, for real: AutomationDeployer on the real `pulumi` CLI (built from
// Go; the OpenStack provider and the Node language host are stand-ins, docs/architecture.md)
// against the local cloud. Two clouds of the scheduler on alberta's project: "after" (sharded
// stacks, policy.deploy.shard_size) and "before" (the same pool in one stack, as before issue 14),
// each holding POOL workers, so every figure stands beside the same figure of the old layout and
// beside "add 1 to an empty pool", all from this run:
// - add 1 to an empty pool (reference), add 1 to POOL, remove 10 of POOL, a no-change up;
// - a no-change cycle: the cycle's deploy step with every pool unchanged runs no `up` at all;
// - a burst: 2 x POOL boots across the two clouds at once, from the deploy's start to all ACTIVE,
//   beside the floor: the same number of servers created straight through Nova's API at the
//   concurrency the engine had, on the same cloud, minutes apart;
// - the cycle's period (5 s) while a deploy of PERIOD_ADD new workers runs on the other cloud,
//   with background deploys run on the scheduler's thread and on a thread of their own (as
//   `cloudscheduler run` does), beside the period of the cycle that awaits the same deploy.
// Sizes: CS_BENCH_POOL (default 40), CS_BENCH_SHARD (default 10), CS_BENCH_PERIOD_ADD (default
// 10), CS_BENCH_PERIOD_BASE (workers deployed before the period phase when it runs alone).
// Periods are counted from the first cycle's end (that cycle also starts the deploy thread).
// - fleet (only when named in CS_BENCH_PHASES): CS_BENCH_FLEET workers (default 1,000) built on
//   the sharded cloud in ups of CS_BENCH_FLEET_STEP (default 200), each followed by an add of 1,
//   then a no-change cycle, a no-change up after a restart and remove 10, each beside "add 1 to
//   an empty pool". After each add, one server straight through Nova's API (create to ACTIVE) at
//   that size, beside the same at an empty pool: the cloud's own share of the add's time. The
//   local cloud slows as it fills (4.7 s per server to 1,000, 79 min; 2.5 s per server to
//   delete): CS_BENCH_FLEET_TEARDOWN=wipe leaves the servers for `test/cloud/down.sh --wipe`.
//   The sizes run are printed in every row.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseConfig } from "../scheduler/config/load.js";
import type { Config } from "../scheduler/config/schema.js";
import { AutomationDeployer } from "../scheduler/deploy/automation-deployer.js";
import { BackoffTracker } from "../scheduler/deploy/backoff.js";
import { findPulumiCli, loadPulumiCommand } from "../scheduler/deploy/pulumi-cli.js";
import { WORKER_TYPE } from "../scheduler/deploy/resource-events.js";
import { shardStackName } from "../scheduler/deploy/shards.js";
import { ThreadDeployer } from "../scheduler/deploy/thread-deployer.js";
import type { PoolDeployer, PoolStackInput } from "../scheduler/deploy/types.js";
import {
  POOL_PROJECT,
  resolveBackendUrl,
  resolveSecrets,
  resolveStateDir,
} from "../scheduler/deploy/workspace-settings.js";
import type { PlanInput, PlanResult } from "../scheduler/plan/types.js";
import type { PoolWorker } from "../scheduler/pool/types.js";
import { fixedConfig } from "../scheduler/run/config-source.js";
import { type CycleDeps, CycleMemory, emptyReport } from "../scheduler/run/cycle.js";
import { type Clock, runDaemon, systemClock } from "../scheduler/run/daemon.js";
import { deployPools, deployQueueSettings } from "../scheduler/run/deploy.js";
import { DeployQueue } from "../scheduler/run/deploy-queue.js";
import { recordingLogger } from "../scheduler/run/logger.js";
import { MemoryPoolFiles } from "../scheduler/run/memory-pool-files.js";
import { poolProgram } from "../stacks/pool.js";
import { securityGroupName } from "../stacks/ports.js";
import { acquireCloudLock } from "../test/support/cloud-lock.js";
import { type NovaServer, OpenStackApi } from "../test/support/openstack-api.js";
import { ensureSecurityGroup, poolWorker, workerServers } from "../test/support/pool-fixtures.js";
import { type PulumiSandbox, pulumiSandbox } from "../test/support/pulumi-sandbox.js";
import { engineCpuMeter } from "./lib/engine-cpu.js";
import type { BenchRow } from "./lib/row.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const AFTER = "alberta";
const BEFORE = "alberta-old";
const POOL = Number(process.env.CS_BENCH_POOL ?? 40);
const SHARD = Number(process.env.CS_BENCH_SHARD ?? 10);
const PERIOD_ADD = Number(process.env.CS_BENCH_PERIOD_ADD ?? 10);
/** Workers the "after" cloud holds before the period phase, when earlier phases left none. */
const PERIOD_BASE = Number(process.env.CS_BENCH_PERIOD_BASE ?? 0);
/** Workers the one-stack cloud holds before the engine phase, when earlier phases left none. */
const ENGINE_BASE = Number(process.env.CS_BENCH_ENGINE_BASE ?? 0);
/** Workers of the fleet phase, and how many each building `up` adds. */
const FLEET = Number(process.env.CS_BENCH_FLEET ?? 1000);
const FLEET_STEP = Number(process.env.CS_BENCH_FLEET_STEP ?? 200);
/**
 * CS_BENCH_FLEET_TEARDOWN=wipe leaves the fleet's servers for `test/cloud/down.sh --wipe`
 * (deleting 1,000 through the engine takes ~40 min here; the 500 run measured it).
 */
const FLEET_WIPE = process.env.CS_BENCH_FLEET_TEARDOWN === "wipe";
const PARALLELISM = 16;
const CONCURRENCY = 4;
const PERIOD_S = 5;
/** Phases to run (CS_BENCH_PHASES=ref,floor,burst,layouts,engine,quiet,fleet,period). */
const PHASES = new Set(
  (process.env.CS_BENCH_PHASES ?? "ref,floor,burst,layouts,engine,quiet,period").split(","),
  // "fleet" runs only when named: it builds CS_BENCH_FLEET workers (most of an hour here).
);

function configWith(shardSize: number): Config {
  const text = readFileSync(join(root, "examples/site/cloudscheduler.yaml"), "utf8")
    .replace(
      "    network: cs-workers # Neutron",
      "    key_pair: site-admin\n    network: cs-workers # Neutron",
    )
    .replace(
      "  victoria:\n    cloud: victoria\n    region: RegionTwo",
      `  ${BEFORE}:\n    cloud: alberta\n    region: RegionOne`,
    )
    .replace("    to: [victoria]", `    to: [${BEFORE}]`)
    .replace("  cycle: 60s", `  cycle: ${PERIOD_S}s`)
    .replace(
      "  max_worker_life: 7d",
      `  deploy: { shard_size: ${shardSize}, concurrency: ${CONCURRENCY}, parallelism: ${PARALLELISM} }\n  max_worker_life: 7d`,
    );
  return parseConfig(text, "cloudscheduler.yaml");
}

export async function run(): Promise<BenchRow[]> {
  const real = await findPulumiCli(process.env);
  if (
    !real ||
    !process.env.OS_CLIENT_CONFIG_FILE ||
    !existsSync(process.env.OS_CLIENT_CONFIG_FILE)
  ) {
    console.log(
      'skipped: needs the toolchain and the local cloud: eval "$(test/cloud/toolchain.sh)"; eval "$(test/cloud/up.sh --print-env)"',
    );
    return [];
  }
  const release = await acquireCloudLock();
  const sandbox = pulumiSandbox("deploy-scale");
  // Engine CPU: every CLI run (and the provider it waits for) under /usr/bin/time, one line each.
  const meter = engineCpuMeter(real, sandbox.dir, sandbox.env);
  const env = meter.env;
  const engine = meter.read;

  const sharded = configWith(SHARD);
  const oneStack = configWith(1_000_000);
  const member = await OpenStackApi.forEntry("alberta");
  const admin = await OpenStackApi.admin("RegionOne");
  const drops = [
    await ensureSecurityGroup(member, securityGroupName(AFTER)),
    await ensureSecurityGroup(member, securityGroupName(BEFORE)),
  ];
  const deployer = new AutomationDeployer({
    configDir: join(sandbox.dir, "config"),
    deploy: sandbox.deploy,
    env,
  });
  const nowS = Math.floor(Date.now() / 1000);
  const workersOf = (cloud: string, from: number, count: number): PoolWorker[] =>
    Array.from({ length: count }, (_, i) => ({
      ...poolWorker(sharded, cloud, "demo-vm", from + i),
      createdAt: nowS,
    }));
  const input = (config: Config, cloud: string, workers: PoolWorker[]): PoolStackInput => {
    const settings = config.clouds[cloud];
    if (!settings) throw new Error(cloud);
    return { cloudName: cloud, cloud: settings, config, workers };
  };
  const configOf = (cloud: string) => (cloud === AFTER ? sharded : oneStack);
  const layout = (cloud: string) =>
    cloud === AFTER ? `sharded (${SHARD}/stack)` : "one stack (before)";
  const servers = (prefix: string) => workerServers(admin, member, prefix);
  const allActive = async (prefix: string, count: number, timeoutMs: number) =>
    admin.waitForServers(
      () => servers(prefix),
      (list) => list.length === count && list.every((s) => s.status === "ACTIVE"),
      timeoutMs,
    );

  // Nova's own time for one server, at the fleet's size: boot straight through its API, poll
  // until ACTIVE, delete. What an `up` waits for that is the cloud's, not the engine's.
  let novaRefs: Awaited<ReturnType<typeof member.bootRefs>> | undefined;
  const novaAlone = async (tag: string): Promise<number> => {
    novaRefs ??= await member.bootRefs({
      image: "cernvm-demo",
      flavor: "m1.small",
      network: "cs-workers",
    });
    const started = performance.now();
    const id = await member.bootServer(`cs-nova1-${tag}`, novaRefs, {
      keyName: "site-admin",
      securityGroup: securityGroupName(AFTER),
    });
    for (;;) {
      const status = await member.serverStatus(id);
      if (status === "ACTIVE") break;
      if (status === "ERROR") throw new Error(`cs-nova1-${tag}: ERROR`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const seconds = (performance.now() - started) / 1000;
    await member.deleteServer(id);
    await admin.waitForServers(
      () => servers("cs-nova1-"),
      (list) => list.length === 0,
      300_000,
    );
    return seconds;
  };

  const rows: BenchRow[] = [];
  const timed = async <T>(body: () => Promise<T>) => {
    meter.reset();
    const started = performance.now();
    const value = await body();
    return { value, seconds: (performance.now() - started) / 1000, ...engine() };
  };
  const pools: Record<string, PoolWorker[]> = { [AFTER]: [], [BEFORE]: [] };
  const up = (cloud: string, workers: PoolWorker[]) => {
    pools[cloud] = workers;
    return deployer.up(input(configOf(cloud), cloud, workers));
  };

  try {
    // 1. The reference: add 1 worker to an empty pool (sharded layout), then take it away.
    const ref = PHASES.has("ref")
      ? await timed(() => up(AFTER, workersOf(AFTER, 1, 1)))
      : { seconds: Number.NaN, cpu: Number.NaN, runs: 0, value: undefined };
    await up(AFTER, []);
    const refNova = PHASES.has("fleet") ? await novaAlone("empty") : Number.NaN;
    const refWall = { name: "add 1 to an empty pool: wall", value: ref.seconds };
    const refCpu = { name: "add 1 to an empty pool: engine CPU", value: ref.cpu };
    if (PHASES.has("ref")) {
      rows.push({ name: "add 1 to an empty pool: wall", value: ref.seconds, unit: "s" });
      rows.push({ name: "add 1 to an empty pool: engine CPU", value: ref.cpu, unit: "s" });
    }

    // 2. The floor: 2 x POOL servers straight through Nova, at the engine's concurrency.
    const burst = 2 * POOL;
    if (PHASES.has("floor") && PHASES.has("burst")) {
      // The engine's creates in flight: up to CONCURRENCY shards of the sharded cloud and the one
      // stack of the other, each with PARALLELISM resource operations.
      const concurrency = Math.min(
        burst,
        Math.min(CONCURRENCY, Math.ceil(POOL / SHARD)) * Math.min(PARALLELISM, SHARD) +
          Math.min(PARALLELISM, POOL),
      );
      const refs = await member.bootRefs({
        image: "cernvm-demo",
        flavor: "m1.small",
        network: "cs-workers",
      });
      const floorStarted = performance.now();
      const names = Array.from(
        { length: burst },
        (_, i) => `cs-floor-${String(i).padStart(4, "0")}`,
      );
      const queue = [...names];
      const ids: string[] = [];
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (let name = queue.shift(); name; name = queue.shift()) {
            const id = await member.bootServer(name, refs, {
              keyName: "site-admin",
              securityGroup: securityGroupName(AFTER),
            });
            ids.push(id);
            // Like the provider: a create ends when its server is ACTIVE, polled by id.
            for (;;) {
              const status = await member.serverStatus(id);
              if (status === "ACTIVE" || status === "ERROR") break;
              await new Promise((resolve) => setTimeout(resolve, 1000));
            }
          }
        }),
      );
      await allActive("cs-floor-", burst, 600_000);
      const floor = (performance.now() - floorStarted) / 1000;
      for (const id of ids) await member.deleteServer(id);
      await admin.waitForServers(
        () => servers("cs-floor-"),
        (list) => list.length === 0,
        600_000,
      );

      // 3. The burst: POOL boots on each cloud at once (after: sharded; before: one stack).
      const burstRun = await timed(async () => {
        await Promise.all([
          up(AFTER, workersOf(AFTER, 1, POOL)),
          up(BEFORE, workersOf(BEFORE, 1, POOL)),
        ]);
        await allActive("cs-alberta", burst, 600_000);
      });
      rows.push({
        name: `burst of ${burst} boots over 2 clouds (one sharded, one one-stack): deploy start to all ACTIVE`,
        value: burstRun.seconds,
        unit: "s",
        reference: {
          name: `floor: ${burst} servers via Nova's API, ${concurrency} at once`,
          value: floor,
        },
      });
    }

    // 4. Per layout, at POOL workers: add 1, no-change up, remove 10. Run alone (no burst), both
    // clouds are first given POOL workers, in parallel.
    if (PHASES.has("layouts") && !PHASES.has("burst")) {
      await Promise.all([AFTER, BEFORE].map((cloud) => up(cloud, workersOf(cloud, 1, POOL))));
    }
    for (const cloud of PHASES.has("layouts") ? [AFTER, BEFORE] : []) {
      const base = pools[cloud] ?? [];
      const add = await timed(() => up(cloud, [...base, ...workersOf(cloud, POOL + 1, 1)]));
      rows.push({
        name: `add 1 to ${POOL}, ${layout(cloud)}: wall`,
        value: add.seconds,
        unit: "s",
        reference: refWall,
      });
      rows.push({
        name: `add 1 to ${POOL}, ${layout(cloud)}: engine CPU`,
        value: add.cpu,
        unit: "s",
        reference: refCpu,
      });
      // A fresh deployer, as after a restart: the no-change `up` really runs.
      const fresh = new AutomationDeployer({
        configDir: join(sandbox.dir, "config"),
        deploy: sandbox.deploy,
        env,
      });
      const same = await timed(() => fresh.up(input(configOf(cloud), cloud, pools[cloud] ?? [])));
      rows.push({
        name: `no-change up at ${POOL + 1}, ${layout(cloud)}, fresh process: wall`,
        value: same.seconds,
        unit: "s",
        reference: refWall,
      });
      const current = pools[cloud] ?? [];
      const drop = new Set(
        Array.from({ length: 10 }, (_, k) => Math.floor((k * current.length) / 10)),
      );
      const keep = current.filter((_, i) => !drop.has(i));
      const removed = current.length - keep.length;
      const remove = await timed(() => up(cloud, keep));
      rows.push({
        name: `remove ${removed} of ${current.length}, ${layout(cloud)}: wall`,
        value: remove.seconds,
        unit: "s",
        reference: refWall,
      });
      rows.push({
        name: `remove ${removed} of ${current.length}, ${layout(cloud)}: engine CPU`,
        value: remove.cpu,
        unit: "s",
        reference: refCpu,
      });
    }

    // 4b. Engine options the issue asks to evaluate, on the one-stack cloud: add 1 as the
    // deployer does, with PULUMI_SKIP_CHECKPOINTS (the file backend writes the state once at the
    // end instead of after every step), and as a targeted update (only the new server's URN).
    if (PHASES.has("engine")) {
      if ((pools[BEFORE]?.length ?? 0) === 0 && ENGINE_BASE > 0) {
        await up(BEFORE, workersOf(BEFORE, 2000, ENGINE_BASE));
      }
      const base = pools[BEFORE] ?? [];
      const extra = workersOf(BEFORE, 3000, 1);
      const plain = await timed(() => up(BEFORE, [...base, ...extra]));
      await up(BEFORE, base);
      const skipping = new AutomationDeployer({
        configDir: join(sandbox.dir, "config"),
        deploy: sandbox.deploy,
        env: { ...env, PULUMI_SKIP_CHECKPOINTS: "true" },
      });
      const skip = await timed(() => skipping.up(input(oneStack, BEFORE, [...base, ...extra])));
      await up(BEFORE, base);
      const targeted = await timed(() =>
        targetedUp(
          sandbox,
          env,
          input(oneStack, BEFORE, [...base, ...extra]),
          extra[0]?.name ?? "",
        ),
      );
      await up(BEFORE, base);
      for (const [what, run] of [
        ["PULUMI_SKIP_CHECKPOINTS=true", skip],
        ["targeted (--target the new server)", targeted],
      ] as const) {
        rows.push({
          name: `add 1 to ${base.length}, one stack, ${what}: wall`,
          value: run.seconds,
          unit: "s",
          reference: { name: "the same add as the deployer runs it", value: plain.seconds },
        });
        rows.push({
          name: `add 1 to ${base.length}, one stack, ${what}: engine CPU`,
          value: run.cpu,
          unit: "s",
          reference: { name: "the same add as the deployer runs it", value: plain.cpu },
        });
      }
    }

    // 5. The no-change cycle: the cycle's deploy step, every pool as last deployed.
    const memory = new CycleMemory();
    const quietPhase = PHASES.has("quiet");
    const deps: CycleDeps = {
      condor: {
        jobs: async () => [],
        workers: async () => [],
        drain: async () => {},
        peacefulOff: async () => {},
      },
      deployer,
      pools: new MemoryPoolFiles(),
      backoff: new BackoffTracker(),
      log: recordingLogger(),
    };
    const step = () =>
      deployPools(deps, memory, sharded, structuredClone(pools), nowS, emptyReport("bench", nowS));
    if (quietPhase) {
      await step(); // learns what each stack holds (one `up` per cloud: nothing to change)
      const quiet = await timed(step);
      const stackUp = await timed(() =>
        new AutomationDeployer({
          configDir: join(sandbox.dir, "config"),
          deploy: sandbox.deploy,
          env,
        }).up(input(oneStack, BEFORE, pools[BEFORE] ?? [])),
      );
      rows.push({
        name: `no-change cycle (deploy step) at ${(pools[AFTER]?.length ?? 0) + (pools[BEFORE]?.length ?? 0)} workers: wall`,
        value: quiet.seconds,
        unit: "s",
        reference: { name: "one no-change `up` of the one-stack cloud", value: stackUp.seconds },
      });
      rows.push({
        name: "no-change cycle: engine runs (pulumi invocations)",
        value: quiet.runs,
        unit: "runs",
        reference: { name: "one no-change `up`: pulumi invocations", value: stackUp.runs },
      });
    }

    // 6. At fleet size, on the sharded cloud alone.
    if (PHASES.has("fleet")) {
      await up(BEFORE, []);
      const built = performance.now();
      let building = 0;
      // After each building up, add 1 (it stays): the cost of adding 1 as the fleet grows.
      for (let have = pools[AFTER]?.length ?? 0; have < FLEET; have = pools[AFTER]?.length ?? 0) {
        const count = Math.min(FLEET_STEP, FLEET - have - 1);
        const started = performance.now();
        const grown = await up(AFTER, [
          ...(pools[AFTER] ?? []),
          ...workersOf(AFTER, 10_000 + have, count),
        ]);
        building += (performance.now() - started) / 1000;
        // A cloud too small for the fleet (quota, addresses, capacity) ends the phase: say why.
        const refused = grown.refused ?? [];
        if (refused.length > 0) {
          throw new Error(
            `fleet: the cloud refused ${refused.length} worker(s) at ${have + count}: ${refused[0]?.message}`,
          );
        }
        const before = pools[AFTER] ?? [];
        const add = await timed(() =>
          up(AFTER, [...before, ...workersOf(AFTER, 20_000 + have, 1)]),
        );
        const minutes = ((performance.now() - built) / 60_000).toFixed(1);
        console.log(
          `fleet: ${before.length + 1} of ${FLEET} workers deployed (${minutes} min); add 1 to ${before.length}: ${add.seconds.toFixed(2)} s`,
        );
        rows.push({
          name: `add 1 to ${before.length}, ${layout(AFTER)}: wall`,
          value: add.seconds,
          unit: "s",
          reference: refWall,
        });
        rows.push({
          name: `add 1 to ${before.length}, ${layout(AFTER)}: engine CPU`,
          value: add.cpu,
          unit: "s",
          reference: refCpu,
        });
        // The cloud's share of the add: one server via Nova's API at this size, beside empty.
        const nova = await novaAlone(String(before.length + 1));
        rows.push({
          name: `one server via Nova's API (no engine) at ${before.length + 1}: create to ACTIVE`,
          value: nova,
          unit: "s",
          reference: { name: "the same at an empty pool", value: refNova },
        });
        rows.push({
          name: `add 1 to ${before.length}, less Nova's own time for one server at that size`,
          value: add.seconds - nova,
          unit: "s",
          reference: {
            name: "add 1 to an empty pool, less Nova's at empty",
            value: ref.seconds - refNova,
          },
        });
      }
      rows.push({
        name: `build a fleet of ${FLEET} (ups of up to ${FLEET_STEP}, ${SHARD}/stack): per server`,
        value: building / FLEET,
        unit: "s",
      });
      await step(); // learns what each stack holds
      const quiet = await timed(step);
      rows.push({
        name: `no-change cycle (deploy step) at ${pools[AFTER]?.length ?? 0} workers: pulumi invocations`,
        value: quiet.runs,
        unit: "runs",
      });
      rows.push({
        name: `no-change cycle (deploy step) at ${pools[AFTER]?.length ?? 0} workers: wall`,
        value: quiet.seconds,
        unit: "s",
        reference: refWall,
      });
      const fresh = new AutomationDeployer({
        configDir: join(sandbox.dir, "config"),
        deploy: sandbox.deploy,
        env,
      });
      const same = await timed(() => fresh.up(input(sharded, AFTER, pools[AFTER] ?? [])));
      rows.push({
        name: `no-change up at ${pools[AFTER]?.length ?? 0}, ${layout(AFTER)}, fresh process (every shard): wall`,
        value: same.seconds,
        unit: "s",
        reference: refWall,
      });
      const current = pools[AFTER] ?? [];
      const drop = new Set(
        Array.from({ length: 10 }, (_, k) => Math.floor((k * current.length) / 10)),
      );
      const remove = await timed(() =>
        up(
          AFTER,
          current.filter((_, i) => !drop.has(i)),
        ),
      );
      rows.push({
        name: `remove 10 of ${current.length} (from 10 shards), ${layout(AFTER)}: wall`,
        value: remove.seconds,
        unit: "s",
        reference: refWall,
      });
      rows.push({
        name: `remove 10 of ${current.length} (from 10 shards), ${layout(AFTER)}: engine CPU`,
        value: remove.cpu,
        unit: "s",
        reference: refCpu,
      });
      if (FLEET_WIPE) {
        console.log(
          `fleet: ${current.length - 10} servers left for test/cloud/down.sh --wipe (CS_BENCH_FLEET_TEARDOWN=wipe)`,
        );
        return rows;
      }
      const teardown = await timed(() => up(AFTER, []));
      rows.push({
        name: `delete the fleet of ${current.length - 10} (one up): wall`,
        value: teardown.seconds,
        unit: "s",
      });
    }

    // 7. The cycle's period while another cloud's deploy runs (PERIOD_ADD new servers).
    if (!PHASES.has("period")) return rows;
    if ((pools[AFTER]?.length ?? 0) === 0 && PERIOD_BASE > 0) {
      await up(AFTER, workersOf(AFTER, 1000, PERIOD_BASE));
    }
    const planner = (p: PlanInput): PlanResult => ({
      pools: structuredClone(p.pools),
      retire: [],
      decisions: [],
      rejectedJobs: [],
      summary: {},
    });
    const grow = (cloud: string) => [...(pools[cloud] ?? []), ...workersOf(cloud, 500, PERIOD_ADD)];
    // Awaited (before): one cycle with the deploy inside it.
    const inlineFiles = new MemoryPoolFiles({ ...structuredClone(pools), [BEFORE]: grow(BEFORE) });
    const inlineDeps: CycleDeps = { ...deps, pools: inlineFiles, planner };
    const inline = await timed(() =>
      runDaemon({
        deps: inlineDeps,
        config: fixedConfig(sharded, "bench"),
        clock: systemClock,
        signal: new AbortController().signal,
        maxCycles: 1,
      }),
    );
    pools[BEFORE] = grow(BEFORE);
    // Background (after): cycles on their period while the same-size deploy runs on AFTER, once
    // with the deployer on the scheduler's own thread and once as `cloudscheduler run` deploys,
    // on a thread of its own (scheduler/deploy/thread-deployer.ts).
    const background = async (deployerOfRun: PoolDeployer, from: number) => {
      const grown = [...(pools[AFTER] ?? []), ...workersOf(AFTER, from, PERIOD_ADD)];
      const bgFiles = new MemoryPoolFiles({ ...structuredClone(pools), [AFTER]: grown });
      pools[AFTER] = grown;
      const starts: number[] = [];
      const controller = new AbortController();
      const bgDeps: CycleDeps = {
        ...deps,
        deployer: deployerOfRun,
        pools: bgFiles,
        planner,
        deploys: new DeployQueue(deployQueueSettings(sharded)),
      };
      const clock: Clock = { now: systemClock.now, sleep: systemClock.sleep };
      let sawDeploy = false;
      // From the first cycle's end: the first cycle also starts the deploy thread.
      const loopDelay = monitorEventLoopDelay({ resolution: 20 });
      await runDaemon({
        deps: bgDeps,
        config: fixedConfig(sharded, "bench"),
        clock,
        signal: controller.signal,
        onCycle: (report) => {
          starts.push(performance.now());
          if (starts.length === 1) loopDelay.enable();
          if (report.deploysInFlight?.some((d) => d.cloud === AFTER)) sawDeploy = true;
          else if (sawDeploy) controller.abort();
        },
      });
      loopDelay.disable();
      const gaps = starts.slice(2).map((t, i) => (t - (starts[i + 1] ?? t)) / 1000);
      const deviations = gaps.map((g) => Math.abs(g - PERIOD_S)).sort((a, b) => a - b);
      console.log(`periods (s): ${gaps.map((g) => g.toFixed(2)).join(" ")}`);
      return {
        periods: gaps.length,
        median: deviations[Math.floor(deviations.length / 2)] ?? Number.NaN,
        worst: Math.max(...deviations),
        stall: loopDelay.max / 1e9,
      };
    };
    const sameThread = await background(deployer, 500);
    const threaded = new ThreadDeployer({
      options: { configDir: join(sandbox.dir, "config"), deploy: sandbox.deploy, env },
    });
    const ownThread = await background(threaded, 600).finally(() => threaded.close());
    rows.push({
      name: `cycle period during the background deploy, deploys on their own thread: median |period - ${PERIOD_S} s|`,
      value: ownThread.median,
      unit: "s",
      reference: { name: "deploys on the scheduler's thread", value: sameThread.median },
    });
    rows.push({
      name: "scheduler event loop during it: longest stall, deploys on their own thread",
      value: ownThread.stall,
      unit: "s",
      reference: { name: "deploys on the scheduler's thread", value: sameThread.stall },
    });
    rows.push({
      name: `cycle period while +${PERIOD_ADD} deploy runs on another cloud, own thread (${ownThread.periods} periods): worst |period - ${PERIOD_S} s|`,
      value: ownThread.worst,
      unit: "s",
      reference: {
        name: `scheduler's thread (${sameThread.periods} periods)`,
        value: sameThread.worst,
      },
    });
    rows.push({
      name: `the same deploy awaited in the cycle (before issue 14): its cycle's length - ${PERIOD_S} s`,
      value: Math.max(0, inline.seconds - PERIOD_S),
      unit: "s",
    });
    await allActive(
      "cs-alberta",
      (pools[AFTER]?.length ?? 0) + (pools[BEFORE]?.length ?? 0),
      600_000,
    ).catch(() => [] as NovaServer[]);
  } finally {
    await teardown();
  }
  return rows;

  async function teardown(): Promise<void> {
    if (FLEET_WIPE && PHASES.has("fleet")) {
      // The servers stay for the cloud's wipe; their stacks' state goes with the sandbox.
      release();
      rmSync(sandbox.dir, { recursive: true, force: true });
      return;
    }
    await deployer
      .destroy(AFTER)
      .catch((err: unknown) => console.log(`destroy ${AFTER}: ${String(err)}`));
    await deployer
      .destroy(BEFORE)
      .catch((err: unknown) => console.log(`destroy ${BEFORE}: ${String(err)}`));
    // Nova lists a deleted server (status DELETED) a while longer: the next user of the cloud
    // expects an empty project, so the cloud is handed on only once they are gone.
    await admin
      .waitForServers(
        () => servers("cs-alberta"),
        (list) => list.length === 0,
        300_000,
      )
      .catch((err: unknown) => console.log(`servers left after the bench: ${String(err)}`));
    for (const drop of drops) await drop().catch(() => {});
    release();
    rmSync(sandbox.dir, { recursive: true, force: true });
  }
}

/**
 * `pulumi up --target <the new server>` on the cloud's one stack, through the Automation API
 * directly (the deployer has no targeted mode: this is the evaluation of one), in the deployer's
 * own workspace, backend and secrets.
 */
async function targetedUp(
  sandbox: PulumiSandbox,
  env: NodeJS.ProcessEnv,
  stackInput: PoolStackInput,
  worker: string,
): Promise<void> {
  const { LocalWorkspace } = await import("@pulumi/pulumi/automation/index.js");
  const stateDir = resolveStateDir(join(sandbox.dir, "config"), env);
  const stackName = shardStackName(stackInput.cloudName, 0);
  const envVars = Object.fromEntries(
    Object.entries({
      ...env,
      PULUMI_BACKEND_URL: resolveBackendUrl(sandbox.deploy, stateDir),
      ...resolveSecrets(sandbox.deploy, env).env,
    }).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const stack = await LocalWorkspace.selectStack(
    { stackName, projectName: POOL_PROJECT, program: poolProgram(stackInput) },
    {
      workDir: join(stateDir, "workspaces", stackName),
      envVars,
      pulumiCommand: await loadPulumiCommand(env),
    },
  );
  const state = (await stack.exportStack()) as {
    deployment?: { resources?: { urn?: string; type?: string }[] };
  };
  const sample = state.deployment?.resources?.find((r) => r.type === WORKER_TYPE)?.urn;
  if (!sample) throw new Error(`${stackName}: no worker in the state to take the URN form from`);
  const urn = `${sample.slice(0, sample.lastIndexOf("::") + 2)}${worker}`;
  await stack.up({ target: [urn], targetDependents: true, parallel: PARALLELISM });
}
