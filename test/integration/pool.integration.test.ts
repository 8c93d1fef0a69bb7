// The scheduler's deploy module for real: AutomationDeployer runs the pool program through a real
// Pulumi engine and the OpenStack provider against the local cloud (alberta, RegionOne), and every
// claim is checked in Nova itself: N workers -> exactly N ACTIVE servers with the planned fields;
// removing one worker deletes exactly that server (by id) and touches no other; an unchanged pool
// is a no-op `up`.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { parseConfig } from "../../scheduler/config/load.js";
import type { Config } from "../../scheduler/config/schema.js";
import { AutomationDeployer } from "../../scheduler/deploy/automation-deployer.js";
import type { PoolStackInput } from "../../scheduler/deploy/types.js";
import type { PoolWorker } from "../../scheduler/pool/types.js";
import { securityGroupName } from "../../stacks/ports.js";
import {
  acquireCloudLock,
  cloudInitSchema,
  describeIntegration,
  type PulumiSandbox,
  pulumiSandbox,
} from "../support/integration.js";
import {
  type NovaServer,
  OpenStackApi,
  userDataOf,
  writtenFile,
} from "../support/openstack-api.js";
import { ensureSecurityGroup, poolWorker, workerServers } from "../support/pool-fixtures.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const CLOUD = "alberta";
const MINUTES = 60_000;
// The bundled example, with the key pair the local cloud has.
const config: Config = parseConfig(
  readFileSync(join(root, "examples/site/cloudscheduler.yaml"), "utf8").replace(
    "    network: cs-workers # Neutron",
    "    key_pair: site-admin\n    network: cs-workers # Neutron",
  ),
  "cloudscheduler.yaml",
);

describeIntegration(
  "pool deploy against the local cloud (AutomationDeployer, pool-alberta)",
  () => {
    let release: () => void = () => {};
    let sandbox: PulumiSandbox;
    let deployer: AutomationDeployer;
    let member: OpenStackApi;
    let admin: OpenStackApi;
    let dropGroup: () => Promise<void> = async () => {};
    const servers = () => workerServers(admin, member, "cs-alberta-demo-vm-");

    beforeAll(async () => {
      release = await acquireCloudLock();
      sandbox = pulumiSandbox("pool");
      member = await OpenStackApi.forEntry(CLOUD);
      admin = await OpenStackApi.admin("RegionOne");
      // The site stack owns the ports group; here it only has to exist for Nova to attach it.
      dropGroup = await ensureSecurityGroup(member, securityGroupName(CLOUD));
      deployer = new AutomationDeployer({
        configDir: join(sandbox.dir, "config"),
        deploy: sandbox.deploy,
        env: sandbox.env,
      });
      expect(await servers()).toEqual([]);
    }, 10 * MINUTES);

    afterAll(async () => {
      try {
        await deployer?.destroy(CLOUD);
        // Destroy leaves nothing behind: asked of Nova, not of Pulumi.
        expect(await servers()).toEqual([]);
      } finally {
        await dropGroup();
        release();
        if (sandbox) rmSync(sandbox.dir, { recursive: true, force: true });
      }
    }, 5 * MINUTES);

    const input = (workers: PoolWorker[]): PoolStackInput => {
      const cloud = config.clouds[CLOUD];
      if (!cloud) throw new Error(CLOUD);
      return { cloudName: CLOUD, cloud, config, workers };
    };
    const workers = [1, 2, 3].map((n) => poolWorker(config, CLOUD, "demo-vm", n));
    let idsByName = new Map<string, string>();

    test(
      "3 workers -> exactly 3 ACTIVE servers with the planned name, image, flavor, group, key, metadata and user-data",
      async () => {
        const result = await deployer.up(input(workers));
        expect(result.changes).toMatchObject({ update: 0, delete: 0 });
        expect(result.instances.map((i) => i.name)).toEqual(workers.map((w) => w.name));

        const found = await servers();
        expect(found.map((s) => s.name).sort()).toEqual(workers.map((w) => w.name));
        const [image] = await member.images({ name: "cernvm-demo" });
        for (const server of found) {
          expect(server.status).toBe("ACTIVE");
          expect(server.image).toMatchObject({ id: image?.id });
          expect(server.flavor.original_name).toBe("m1.small");
          expect(server.key_name).toBe("site-admin");
          expect(server.security_groups?.map((g) => g.name)).toEqual([securityGroupName(CLOUD)]);
          expect(Object.keys(server.addresses)).toEqual(["cs-workers"]);
          expect(server.metadata).toEqual({
            cloudscheduler: "worker",
            vm_type: "demo-vm",
            cloud: CLOUD,
          });
          // The stack's outputs name the same Nova servers.
          expect(result.instances.find((i) => i.name === server.name)?.id).toBe(server.id);
          const userData = userDataOf(server);
          const condorConfig = writtenFile(userData, "/etc/condor/config.d/50-cloudscheduler.conf");
          expect(condorConfig).toContain(`CloudSchedulerVM = "${server.name}"`);
          expect(condorConfig).toContain('VMType = "demo-vm"');
          expect(condorConfig).toContain("CONDOR_HOST = cloudscheduler.example.org");
          expect(cloudInitSchema(userData, sandbox.dir, server.name)).toMatch(/Valid cloud-config/);
        }
        idsByName = new Map(found.map((s) => [s.name, s.id]));
      },
      5 * MINUTES,
    );

    test(
      "removing the middle worker deletes exactly that server and touches no other",
      async () => {
        const [first, middle, last] = workers;
        if (!first || !middle || !last) throw new Error("three workers");
        const result = await deployer.up(input([first, last]));
        expect(result.changes).toMatchObject({ create: 0, update: 0, delete: 1 });
        const found = await servers();
        const after = new Map(found.map((s: NovaServer) => [s.name, s.id]));
        expect(after).toEqual(
          new Map([
            [first.name, idsByName.get(first.name)],
            [last.name, idsByName.get(last.name)],
          ]),
        );
        // By id too: the middle server is gone from Nova, not just renamed or replaced.
        const allIds = (await admin.servers({ allProjects: true })).map((s) => s.id);
        expect(allIds).not.toContain(idsByName.get(middle.name));
        for (const s of found) expect(s.status).toBe("ACTIVE");
      },
      5 * MINUTES,
    );

    test(
      "an unchanged pool is a no-op up: every resource the same",
      async () => {
        const [first, , last] = workers;
        if (!first || !last) throw new Error("three workers");
        const result = await deployer.up(input([first, last]));
        // stack + provider + 2 instances, nothing created, updated or deleted.
        expect(result.changes).toEqual({ create: 0, update: 0, delete: 0, same: 4 });
        expect(new Map((await servers()).map((s) => [s.name, s.id]))).toEqual(
          new Map([first, last].map((w) => [w.name, idsByName.get(w.name)])),
        );
      },
      5 * MINUTES,
    );
  },
);
