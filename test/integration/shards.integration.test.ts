// Sharded pool stacks on the real engine (the `pulumi` CLI built from Go; the OpenStack provider
// and Node language host are stand-ins, docs/architecture.md) against the local cloud, every
// claim checked in Nova: a stack from before sharding becomes shard 0 as it is (its servers keep
// their ids), new workers go to a new shard, removing a worker runs `up` on its shard only, the
// shards of one cloud and the stacks of two clouds deploy at the same time, and a create the
// cloud refuses takes back only that worker (continueOnError, per-resource events), a shard that
// fails alone takes back only its new workers, and a shard split by `pulumi state move` keeps
// every server.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { parseConfig } from "../../scheduler/config/load.js";
import type { Config } from "../../scheduler/config/schema.js";
import { AutomationDeployer } from "../../scheduler/deploy/automation-deployer.js";
import { findPulumiCli } from "../../scheduler/deploy/pulumi-cli.js";
import type { PoolStackInput } from "../../scheduler/deploy/types.js";
import type { PoolWorker } from "../../scheduler/pool/types.js";
import { securityGroupName } from "../../stacks/ports.js";
import {
  acquireCloudLock,
  describeIntegration,
  type PulumiSandbox,
  pulumiSandbox,
} from "../support/integration.js";
import { OpenStackApi } from "../support/openstack-api.js";
import { ensureSecurityGroup, poolWorker, workerServers } from "../support/pool-fixtures.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const MINUTES = 60_000;
// Two clouds of the scheduler on the same OpenStack project (alberta's clouds.yaml entry): two
// sets of stacks deployed side by side.
const OTHER = "alberta-b";
function configWith(shardSize: number): Config {
  const text = readFileSync(join(root, "examples/site/cloudscheduler.yaml"), "utf8")
    .replace(
      "    network: cs-workers # Neutron",
      "    key_pair: site-admin\n    network: cs-workers # Neutron",
    )
    .replace(
      "  victoria:\n    cloud: victoria\n    region: RegionTwo",
      `  ${OTHER}:\n    cloud: alberta\n    region: RegionOne`,
    )
    .replace("    from: alberta\n    to: [victoria]", `    from: alberta\n    to: [${OTHER}]`)
    .replace(
      "  max_worker_life: 7d",
      `  deploy: { shard_size: ${shardSize}, concurrency: 4 }\n  max_worker_life: 7d`,
    );
  return parseConfig(text, "cloudscheduler.yaml");
}

/** The one file named `name` under `dir` (a stack's checkpoint in the file backend). */
function findFile(dir: string, name: string): string {
  const found = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter(
    (path) => path.split("/").pop() === name,
  );
  if (found.length !== 1) throw new Error(`${name} under ${dir}: ${found.length} found`);
  return join(dir, found[0] ?? "");
}

interface Line {
  at: number;
  stack: string;
  operation: string;
}

describeIntegration("sharded pool stacks on the real engine and the local cloud", () => {
  let release: () => void = () => {};
  let sandbox: PulumiSandbox;
  let member: OpenStackApi;
  let admin: OpenStackApi;
  const drops: (() => Promise<void>)[] = [];
  let lines: Line[] = [];
  const servers = async (prefix = "cs-alberta") =>
    new Map((await workerServers(admin, member, prefix)).map((s) => [s.name, s]));

  const deployer = () =>
    new AutomationDeployer({
      configDir: join(sandbox.dir, "config"),
      deploy: sandbox.deploy,
      env: sandbox.env,
      logger: {
        info: (fields) => {
          lines.push({
            at: performance.now(),
            stack: String(fields.stack),
            operation: String(fields.operation),
          });
        },
        warn: () => {},
      },
    });
  const input = (config: Config, cloud: string, workers: PoolWorker[]): PoolStackInput => {
    const settings = config.clouds[cloud];
    if (!settings) throw new Error(cloud);
    return { cloudName: cloud, cloud: settings, config, workers };
  };
  const upStacks = () =>
    [...new Set(lines.filter((l) => l.operation === "up").map((l) => l.stack))].sort();
  /** Whether two stacks' `up` output interleaved in time (both engines ran at once). */
  const overlapped = (a: string, b: string) => {
    const span = (stack: string) => {
      const at = lines.filter((l) => l.stack === stack && l.operation === "up").map((l) => l.at);
      return [Math.min(...at), Math.max(...at)] as const;
    };
    const [a0, a1] = span(a);
    const [b0, b1] = span(b);
    return a0 < b1 && b0 < a1;
  };

  const legacy = configWith(100);
  const sharded = configWith(2);
  const w = (cloud: string, n: number) => poolWorker(legacy, cloud, "demo-vm", n);
  const old = [1, 2, 3].map((n) => w("alberta", n));
  let oldIds = new Map<string, string>();
  /** The sharded deployer, one process's worth: it knows what each shard was deployed with. */
  let main: AutomationDeployer;

  beforeAll(async () => {
    release = await acquireCloudLock();
    sandbox = pulumiSandbox("shards");
    member = await OpenStackApi.forEntry("alberta");
    admin = await OpenStackApi.admin("RegionOne");
    for (const cloud of ["alberta", OTHER])
      drops.push(await ensureSecurityGroup(member, securityGroupName(cloud)));
    expect([...(await servers())]).toEqual([]);
  }, 10 * MINUTES);

  afterAll(async () => {
    try {
      const last = deployer();
      await last.destroy("alberta");
      await last.destroy(OTHER);
      expect([...(await servers())]).toEqual([]);
    } finally {
      for (const drop of drops) await drop();
      release();
      if (sandbox) rmSync(sandbox.dir, { recursive: true, force: true });
    }
  }, 10 * MINUTES);

  test(
    "a stack from before sharding becomes shard 0 as it is: its servers keep their ids",
    async () => {
      // Before: one stack, pool-alberta, holding 3 workers.
      await deployer().up(input(legacy, "alberta", old));
      oldIds = new Map([...(await servers())].map(([name, s]) => [name, s.id]));
      expect([...oldIds.keys()]).toEqual(old.map((x) => x.name));

      // After: shards of 2, a new process. Two new workers: pool-alberta stays (oversize, as it
      // was), the new ones fill pool-alberta_1; not one server is recreated. A new process runs
      // each shard once (as the cycle redeploys every pool after a restart): pool-alberta's up
      // changes nothing.
      lines = [];
      const fresh = [4, 5].map((n) => w("alberta", n));
      main = deployer();
      const result = await main.up(input(sharded, "alberta", [...old, ...fresh]));
      // A new stack: the stack, its provider and the 2 servers; nothing updated or deleted.
      expect(result.changes).toMatchObject({ create: 4, update: 0, delete: 0 });
      expect(upStacks()).toEqual(["pool-alberta", "pool-alberta_1"]);
      const now = await servers();
      for (const [name, id] of oldIds) expect(now.get(name)?.id).toBe(id);
      expect([...now.keys()]).toEqual([...old, ...fresh].map((x) => x.name));
      for (const s of now.values()) expect(s.status).toBe("ACTIVE");
      expect(result.instances.map((i) => [i.name, i.id])).toEqual(
        [...now.values()].map((s) => [s.name, s.id]),
      );
    },
    8 * MINUTES,
  );

  test(
    "removing a worker runs `up` on its shard only; shards and clouds deploy at the same time",
    async () => {
      const deploy = main;
      lines = [];
      // Worker 2 leaves shard 0; shard 1 is full, so 6 and 7 open shard 2; and the other cloud
      // deploys its first 2 workers meanwhile.
      const kept = [1, 3, 4, 5].map((n) => w("alberta", n));
      const added = [6, 7].map((n) => w("alberta", n));
      const other = [1, 2].map((n) => w(OTHER, n));
      const before = await servers();
      const [mine, theirs] = await Promise.all([
        deploy.up(input(sharded, "alberta", [...kept, ...added])),
        deploy.up(input(sharded, OTHER, other)),
      ]);
      // Shard 2 and the other cloud's stack are new: stack + provider + 2 servers each.
      expect(mine.changes).toMatchObject({ create: 4, delete: 1, update: 0 });
      expect(theirs.changes).toMatchObject({ create: 4, delete: 0 });
      // pool-alberta_1 did not change: no `up` ran on it.
      expect(upStacks()).toEqual(["pool-alberta", "pool-alberta-b", "pool-alberta_2"]);
      expect(overlapped("pool-alberta", "pool-alberta_2")).toBe(true);
      expect(overlapped("pool-alberta", "pool-alberta-b")).toBe(true);
      const after = await servers();
      expect(after.has(w("alberta", 2).name)).toBe(false);
      for (const x of kept) expect(after.get(x.name)?.id).toBe(before.get(x.name)?.id);
      for (const x of [...added, ...other]) expect(after.get(x.name)?.status).toBe("ACTIVE");
    },
    8 * MINUTES,
  );

  test(
    "a create the cloud refuses takes back only that worker; the others are created",
    async () => {
      const deploy = main;
      const good = w(OTHER, 3);
      const bad = { ...w(OTHER, 4), flavor: "no-such-flavor" };
      const result = await deploy.up(
        input(sharded, OTHER, [...[1, 2].map((n) => w(OTHER, n)), good, bad]),
      );
      expect(result.refused?.map((r) => [r.name, r.op])).toEqual([[bad.name, "create"]]);
      expect(result.refused?.[0]?.message).toMatch(/flavor/i);
      const now = await servers(`cs-${OTHER}`);
      expect(now.get(good.name)?.status).toBe("ACTIVE");
      expect(now.has(bad.name)).toBe(false);
    },
    8 * MINUTES,
  );
  test(
    "a shard that fails alone takes back only its new workers; the cloud's other shards stand",
    async () => {
      const deploy = main;
      // pool-alberta-b holds workers 1 and 2, pool-alberta-b_1 worker 3 (its neighbour was
      // refused above). A corrupt checkpoint makes pool-alberta-b_1's operations fail, alone.
      const checkpoint = findFile(sandbox.dir, `pool-${OTHER}_1.json`);
      const saved = readFileSync(checkpoint);
      const before = await servers(`cs-${OTHER}`);
      writeFileSync(checkpoint, "{ not a checkpoint");
      try {
        // Worker 2 leaves shard 0, 5 joins it (room), 6 joins shard 1 (room): shard 0 deploys.
        const [one, three, five, six] = [w(OTHER, 1), w(OTHER, 3), w(OTHER, 5), w(OTHER, 6)];
        const result = await deploy.up(input(sharded, OTHER, [one, three, five, six]));
        expect(result.refused?.map((r) => [r.name, r.op, r.kind])).toEqual([
          [six.name, "create", "program"],
        ]);
        expect(result.refused?.[0]?.message).toMatch(new RegExp(`^pool-${OTHER}_1 failed: `));
        // Worker 3 is still held by its shard: it stands, with its id.
        expect(result.instances.map((i) => i.name)).toEqual([one, three, five].map((x) => x.name));
        const now = await servers(`cs-${OTHER}`);
        expect(now.get(five.name)?.status).toBe("ACTIVE");
        expect(now.has(w(OTHER, 2).name)).toBe(false);
        expect(now.get(three.name)?.id).toBe(before.get(three.name)?.id);
        expect(now.has(six.name)).toBe(false);
      } finally {
        writeFileSync(checkpoint, saved);
      }
    },
    8 * MINUTES,
  );

  test(
    "`pulumi state move` splits a shard without touching a server, and the deployer follows it",
    async () => {
      // Worker 1 moves from pool-alberta to pool-alberta_2, by the real CLI (no engine run).
      const cli = await findPulumiCli(sandbox.env);
      if (!cli) throw new Error("no pulumi CLI");
      const before = await servers();
      const moved = w("alberta", 1);
      const urn = `urn:pulumi:pool-alberta::cloudscheduler-pool::openstack:compute/instance:Instance::${moved.name}`;
      execFileSync(
        cli,
        ["state", "move", "--source", "pool-alberta", "--dest", "pool-alberta_2", "--yes", urn],
        {
          cwd: join(sandbox.dir, "state", "workspaces", "pool-alberta"),
          env: { ...sandbox.env, PULUMI_BACKEND_URL: sandbox.deploy.backendUrl },
          stdio: "pipe",
        },
      );
      // A new process reads the shards from the stacks' state: every shard's up is a no-op.
      lines = [];
      const fresh = deployer();
      const all = [1, 3, 4, 5, 6, 7].map((n) => w("alberta", n));
      const same = await fresh.up(input(sharded, "alberta", all));
      expect(same.changes).toMatchObject({ create: 0, update: 0, delete: 0 });
      const after = await servers();
      for (const x of all) expect(after.get(x.name)?.id).toBe(before.get(x.name)?.id);
      // Removing the moved worker now runs `up` on its new shard only.
      lines = [];
      const removed = await fresh.up(
        input(
          sharded,
          "alberta",
          all.filter((x) => x !== all[0]),
        ),
      );
      expect(removed.changes).toMatchObject({ create: 0, update: 0, delete: 1 });
      expect(upStacks()).toEqual(["pool-alberta_2"]);
      expect((await servers()).has(moved.name)).toBe(false);
    },
    8 * MINUTES,
  );
});
