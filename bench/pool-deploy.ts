// Pool `up`s for real: AutomationDeployer against the local cloud (test/cloud/, alberta), timing
// a cycle that adds 1, 10 and 50 workers to an empty pool, adds 1 to 50, removes 1 of 50, and
// changes nothing at 50. The claim under test: a cycle touches only the instances that change,
// so adding or removing one worker costs about the same at 50 as at 0.
//
// Engine CPU: the real CLI under /usr/bin/time (lib/engine-cpu.ts); the inline program's language
// runtime is this Node process, reported separately as "node CPU".
// Needs the toolchain and the cloud (see test/cloud/README.md); otherwise returns no rows.
// Since issue 14 the deployer skips shards it deployed unchanged in this process, so "no-change up
// at 50" measures that skip (no engine run); bench/deploy-scale.ts measures a fresh process's.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseConfig } from "../scheduler/config/load.js";
import { AutomationDeployer } from "../scheduler/deploy/automation-deployer.js";
import { findPulumiCli } from "../scheduler/deploy/pulumi-cli.js";
import type { PoolStackInput } from "../scheduler/deploy/types.js";
import { securityGroupName } from "../stacks/ports.js";
import { acquireCloudLock } from "../test/support/cloud-lock.js";
import { OpenStackApi } from "../test/support/openstack-api.js";
import { ensureSecurityGroup, poolWorker, workerServers } from "../test/support/pool-fixtures.js";
import { pulumiSandbox } from "../test/support/pulumi-sandbox.js";
import { engineCpuMeter } from "./lib/engine-cpu.js";
import type { BenchRow } from "./lib/row.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const CLOUD = "alberta";

export async function run(): Promise<BenchRow[]> {
  const real = await findPulumiCli(process.env);
  if (
    !real ||
    !process.env.OS_CLIENT_CONFIG_FILE ||
    !existsSync(process.env.OS_CLIENT_CONFIG_FILE)
  ) {
    console.log(
      'skipped: needs the toolchain and the local cloud: eval "$(test/cloud/toolchain.sh)"; test/cloud/up.sh; eval "$(test/cloud/up.sh --print-env)"',
    );
    return [];
  }
  const release = await acquireCloudLock();
  const sandbox = pulumiSandbox("bench");
  const meter = engineCpuMeter(real, sandbox.dir, sandbox.env);
  const env = meter.env;

  const config = parseConfig(
    readFileSync(join(root, "examples/site/cloudscheduler.yaml"), "utf8").replace(
      /quota: \{ instances: 10,/,
      "quota: { instances: 60,",
    ),
    "cloudscheduler.yaml",
  );
  const cloud = config.clouds[CLOUD];
  if (!cloud) throw new Error(CLOUD);
  const member = await OpenStackApi.forEntry(CLOUD);
  const admin = await OpenStackApi.admin("RegionOne");
  const dropGroup = await ensureSecurityGroup(member, securityGroupName(CLOUD));
  const deployer = new AutomationDeployer({
    configDir: join(sandbox.dir, "config"),
    deploy: sandbox.deploy,
    env,
  });
  const workers = Array.from({ length: 51 }, (_, i) => poolWorker(config, CLOUD, "demo-vm", i + 1));
  const input = (n: number, skip?: number): PoolStackInput => ({
    cloudName: CLOUD,
    cloud,
    config,
    workers: workers.slice(0, n).filter((_, i) => i + 1 !== skip),
  });
  const rows: BenchRow[] = [];
  /** The first measurement (add 1 to an empty pool) is the reference of the later ones. */
  const firstOf = new Map<string, number>();
  const engineCpu = (): number => meter.read().cpu;
  const measure = async (name: string, stackInput: PoolStackInput) => {
    meter.reset();
    const node = process.cpuUsage();
    const started = performance.now();
    const result = await deployer.up(stackInput);
    const seconds = (performance.now() - started) / 1000;
    const nodeCpu = process.cpuUsage(node);
    const c = result.changes;
    const label = `${name} (+${c.create} ~${c.update} -${c.delete} =${c.same})`;
    const figures: [string, number, string][] = [
      ["wall", seconds, "s"],
      ["engine+provider CPU", engineCpu(), "s"],
      ["node CPU", (nodeCpu.user + nodeCpu.system) / 1e6, "s"],
    ];
    for (const [what, value, unit] of figures) {
      const first = firstOf.get(what);
      if (first === undefined) firstOf.set(what, value);
      rows.push({
        name: `${label}: ${what}`,
        value,
        unit,
        ...(first === undefined
          ? {}
          : { reference: { name: `add 1 to an empty pool: ${what}`, value: first } }),
      });
    }
  };
  try {
    await deployer.up(input(0)); // the empty pool: stack and provider exist, no servers
    await measure("add 1 to an empty pool", input(1));
    await deployer.up(input(0));
    await measure("add 10 to an empty pool", input(10));
    await deployer.up(input(0));
    await measure("add 50 to an empty pool", input(50));
    await measure("no-change up at 50", input(50));
    await measure("add 1 to 50", input(51));
    await deployer.up(input(50));
    await measure("remove 1 of 50 (the 25th)", input(50, 25));
    const left = await workerServers(admin, member, "cs-alberta-demo-vm-");
    rows.push({
      name: "servers in Nova after removing 1 of 50",
      value: left.length,
      unit: "servers",
      reference: { name: "servers wanted", value: 49 },
    });
  } finally {
    await deployer.destroy(CLOUD);
    await dropGroup();
    release();
    rmSync(sandbox.dir, { recursive: true, force: true });
  }
  return rows;
}
