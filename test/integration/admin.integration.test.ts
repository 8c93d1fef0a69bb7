// The admin's site stack for real: the root Pulumi.yaml program (stacks/index.ts through the
// nodejs language host) run by LocalWorkspace against the local two-region cloud, with a temp
// copy of examples/site whose appliances get floating IPs from `public`. Every claim is checked
// through the OpenStack APIs: the ports groups and each rule (Neutron), both appliances (Nova),
// the cernvm-demo copy alberta -> victoria byte for byte (Glance); a second up changes nothing;
// destroy leaves nothing (asserted by listing).
//
// LocalWorkspace with workDir = the repo root writes Pulumi.<stack>.yaml there (the passphrase
// salt and this stack's config); afterAll deletes it.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { afterAll, beforeAll, expect, test } from "vitest";
import { parse, stringify } from "yaml";
import { loadPulumiCommand } from "../../scheduler/deploy/pulumi-cli.js";
import {
  acquireCloudLock,
  cloudInitSchema,
  describeIntegration,
  type PulumiSandbox,
  pulumiSandbox,
} from "../support/integration.js";
import { OpenStackApi, type SecurityGroupRule, userDataOf } from "../support/openstack-api.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const MINUTES = 60_000;
const STACK = `integration-${process.pid}`;
const APPLIANCES = ["cloudscheduler", "root-cvmfs"];

/** The example's ports section, as ingress rules: port, CIDR (ethertype follows the CIDR). */
const EXPECTED_RULES = [
  ...[22].flatMap((p) => ["192.0.2.0/24", "2001:db8:1::/48"].map((c) => [p, c] as const)),
  ...[9618, 3128, 80, 8000].flatMap((p) => ["0.0.0.0/0", "::/0"].map((c) => [p, c] as const)),
]
  .map(([port, cidr]) => ({
    direction: "ingress",
    ethertype: cidr.includes(":") ? "IPv6" : "IPv4",
    protocol: "tcp",
    port_range_min: port,
    port_range_max: port,
    remote_ip_prefix: cidr,
  }))
  .sort(byRule);

function byRule(
  a: Pick<SecurityGroupRule, "port_range_min" | "remote_ip_prefix">,
  b: typeof a,
): number {
  return (
    (a.port_range_min ?? 0) - (b.port_range_min ?? 0) ||
    String(a.remote_ip_prefix).localeCompare(String(b.remote_ip_prefix))
  );
}

describeIntegration(
  "admin site stack against the local cloud (root Pulumi.yaml, LocalWorkspace)",
  () => {
    let release: () => void = () => {};
    let sandbox: PulumiSandbox;
    let stack: Stack | undefined;
    const api: Record<string, OpenStackApi> = {};
    let adminOne: OpenStackApi;
    let floatingIpsBefore: string[] = [];

    beforeAll(async () => {
      release = await acquireCloudLock();
      sandbox = pulumiSandbox("admin");
      api.alberta = await OpenStackApi.forEntry("alberta");
      api.victoria = await OpenStackApi.forEntry("victoria");
      adminOne = await OpenStackApi.admin("RegionOne");
      floatingIpsBefore = (await api.alberta.floatingIps()).map((f) => f.id);
      // The example site, its appliances with floating IPs (the local Neutron has `public`).
      const configDir = join(sandbox.dir, "site");
      mkdirSync(configDir);
      const raw = parse(readFileSync(join(root, "examples/site/cloudscheduler.yaml"), "utf8"));
      raw.appliances.scheduler.floating_ip_pool = "public";
      raw.appliances.cvmfs.floating_ip_pool = "public";
      writeFileSync(join(configDir, "cloudscheduler.yaml"), stringify(raw));

      const { LocalWorkspace } = await import("@pulumi/pulumi/automation/index.js");
      const backend = sandbox.deploy.backendUrl ?? "";
      stack = await LocalWorkspace.createOrSelectStack(
        { stackName: STACK, workDir: root },
        {
          pulumiCommand: await loadPulumiCommand(sandbox.env),
          envVars: {
            PULUMI_BACKEND_URL: backend,
            PULUMI_CONFIG_PASSPHRASE: sandbox.env.PULUMI_CONFIG_PASSPHRASE ?? "",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_HOME: sandbox.env.PULUMI_HOME ?? "",
          },
          secretsProvider: "passphrase",
        },
      );
      await stack.setAllConfig({
        "cloudscheduler:configDir": { value: configDir },
        "cloudscheduler:imageCacheDir": { value: join(sandbox.dir, "image-cache") },
      });
    }, 10 * MINUTES);

    afterAll(async () => {
      try {
        if (stack) {
          await stack.destroy();
          await stack.workspace.removeStack(STACK);
          // Nothing left, by listing: appliances, groups, the image copy, floating IPs.
          const names = (await adminOne.servers({ allProjects: true })).map((s) => s.name);
          for (const name of APPLIANCES) expect(names).not.toContain(name);
          expect(await api.alberta?.securityGroups("cloudscheduler-alberta")).toEqual([]);
          expect(await api.victoria?.securityGroups("cloudscheduler-victoria")).toEqual([]);
          expect(await api.victoria?.images({ name: "cernvm-demo" })).toEqual([]);
          expect((await api.alberta?.floatingIps())?.map((f) => f.id)).toEqual(floatingIpsBefore);
        }
      } finally {
        rmSync(join(root, `Pulumi.${STACK}.yaml`), { force: true });
        release();
        if (sandbox) rmSync(sandbox.dir, { recursive: true, force: true });
      }
    }, 10 * MINUTES);

    test(
      "up creates the groups with every rule, both appliances with floating IPs, and the image copy",
      async () => {
        if (!stack) throw new Error("no stack");
        const result = await stack.up();
        expect(result.summary.result).toBe("succeeded");

        // Neutron: one group per cloud, in that cloud's project, with exactly the configured rules.
        for (const cloud of ["alberta", "victoria"]) {
          const groups = (await api[cloud]?.securityGroups(`cloudscheduler-${cloud}`)) ?? [];
          expect(groups).toHaveLength(1);
          const ingress = (groups[0]?.security_group_rules ?? [])
            .filter((r) => r.direction === "ingress")
            .map(
              ({
                direction,
                ethertype,
                protocol,
                port_range_min,
                port_range_max,
                remote_ip_prefix,
              }) => ({
                direction,
                ethertype,
                protocol,
                port_range_min,
                port_range_max,
                remote_ip_prefix,
              }),
            )
            .sort(byRule);
          expect(ingress).toEqual(EXPECTED_RULES);
        }

        // Nova: both appliances in alberta with the planned fields and valid cloud-config.
        const all = await adminOne.servers({ projectId: api.alberta?.projectId });
        const [debian] = (await api.alberta?.images({ name: "debian-12-condor" })) ?? [];
        const appliancePorts: string[] = [];
        for (const name of APPLIANCES) {
          const matching = all.filter((s) => s.name === name);
          expect(matching).toHaveLength(1);
          const server = matching[0];
          if (!server) throw new Error(name);
          expect(server.status).toBe("ACTIVE");
          expect(server.flavor.original_name).toBe("m1.small");
          expect(server.image).toMatchObject({ id: debian?.id });
          expect(server.key_name).toBe("site-admin");
          expect(server.security_groups?.map((g) => g.name)).toEqual(["cloudscheduler-alberta"]);
          expect(server.metadata).toEqual({
            cloudscheduler: name === "cloudscheduler" ? "scheduler" : "cvmfs",
            cloud: "alberta",
          });
          expect(cloudInitSchema(userDataOf(server), sandbox.dir, name)).toMatch(
            /Valid cloud-config/,
          );
          appliancePorts.push(...((await api.alberta?.portIds(server.id)) ?? []));
        }
        // Floating IPs from `public`, one on each appliance's port (Neutron association; they
        // stay DOWN here: no L3 agent).
        const fips = ((await api.alberta?.floatingIps()) ?? []).filter(
          (f) => !floatingIpsBefore.includes(f.id),
        );
        expect(fips).toHaveLength(2);
        expect(fips.map((f) => f.port_id).sort()).toEqual([...appliancePorts].sort());
        expect(appliancePorts).toHaveLength(2);

        // Glance: the copy in victoria has the source's bytes, and says where it came from.
        const [source] = (await api.alberta?.images({ name: "cernvm-demo" })) ?? [];
        const copies = (await api.victoria?.images({ name: "cernvm-demo" })) ?? [];
        expect(copies).toHaveLength(1);
        const copy = copies[0];
        if (!source || !copy || !api.alberta || !api.victoria) throw new Error("images");
        expect(copy.status).toBe("active");
        expect(copy).toMatchObject({
          cloudscheduler_source_cloud: "alberta",
          cloudscheduler_source_id: source.id,
        });
        const [a, b] = await Promise.all([
          api.alberta.imageSha256(source.id),
          api.victoria.imageSha256(copy.id),
        ]);
        expect(b).toEqual(a);
        expect(a.bytes).toBeGreaterThan(0);
      },
      10 * MINUTES,
    );

    test(
      "a second up reports no changes",
      async () => {
        if (!stack) throw new Error("no stack");
        const result = await stack.up();
        const changes = result.summary.resourceChanges ?? {};
        expect(Object.keys(changes)).toEqual(["same"]);
      },
      5 * MINUTES,
    );
  },
);
