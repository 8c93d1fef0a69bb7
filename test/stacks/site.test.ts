// The site program under Pulumi's mocks: exactly the resources the example config asks for,
// with the inputs that matter (ports and CIDRs, names, images, flavors, user-data as a secret).
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, test } from "vitest";
import { parse } from "yaml";
import type { CachedImage, ImageFetcher } from "../../stacks/image-copy.js";
import type { SiteDeps } from "../../stacks/site.js";
import { exampleConfig, testCredentials, variantConfig } from "./fixtures.js";
import { type Declared, installMocks, isSecretValue, resolved, reveal, settle } from "./mocks.js";

let declared: Declared[];
let site: typeof import("../../stacks/site.js");
let render: typeof import("../../scheduler/render/render.js");

beforeAll(async () => {
  declared = await installMocks();
  site = await import("../../stacks/site.js");
  render = await import("../../scheduler/render/render.js");
});

class FakeFetcher implements ImageFetcher {
  readonly requests: { cloud: string; image: string }[] = [];
  async fetch(req: { cloud: string; image: string }): Promise<CachedImage> {
    this.requests.push(req);
    return {
      path: `/cache/${req.cloud}/${req.image}.qcow2`,
      sizeBytes: 1234,
      hashAlgo: "sha512",
      hashValue: "ab".repeat(64),
      checksumMd5: "0123456789abcdef0123456789abcdef",
      diskFormat: "qcow2",
      containerFormat: "bare",
      minDiskGb: 20,
      minRamMb: 2048,
      properties: { os_distro: "debian", os_hash_algo: "sha512", hw_disk_bus: "virtio" },
      sourceId: `src-${req.image}`,
    };
  }
}

function deps(overrides: Partial<SiteDeps> = {}): SiteDeps {
  return {
    renderer: render.createRenderer(),
    credentials: new Map(["alberta", "victoria"].map((c) => [c, testCredentials(c)])),
    fetcher: new FakeFetcher(),
    dryRun: false,
    software: null,
    pulumiVersion: "3.248.0",
    username: "alice",
    ...overrides,
  };
}

/** Runs the program and returns only what this run declared. */
async function run(config = exampleConfig(), d = deps()) {
  const before = declared.length;
  const outputs = site.siteProgram(config, d);
  await settle();
  return { outputs, resources: declared.slice(before) };
}

const names = (resources: Declared[], type: string) =>
  resources
    .filter((r) => r.type === type)
    .map((r) => r.name)
    .sort();

describe("the example config", () => {
  test("declares exactly providers, ports, appliances and the image copy", async () => {
    const { resources } = await run();
    const byType = new Map<string, string[]>();
    for (const r of resources) byType.set(r.type, [...(byType.get(r.type) ?? []), r.name]);
    expect([...byType.keys()].sort()).toEqual([
      "openstack:compute/instance:Instance",
      "openstack:images/image:Image",
      "openstack:networking/secGroup:SecGroup",
      "openstack:networking/secGroupRule:SecGroupRule",
      "pulumi:providers:openstack",
    ]);
    expect(names(resources, "pulumi:providers:openstack")).toEqual([
      "openstack-alberta",
      "openstack-victoria",
    ]);
    expect(names(resources, "openstack:networking/secGroup:SecGroup")).toEqual([
      "ports-alberta",
      "ports-victoria",
    ]);
    expect(names(resources, "openstack:compute/instance:Instance")).toEqual([
      "cvmfs-alberta",
      "scheduler-alberta",
    ]);
    expect(names(resources, "openstack:images/image:Image")).toEqual([
      "image-victoria-cernvm-demo",
    ]);
    // 2 admin + 2 worker (9618) + 2 worker (3128) + 2 public (80) + 2 public (8000), per cloud.
    expect(names(resources, "openstack:networking/secGroupRule:SecGroupRule")).toHaveLength(20);
    expect(resources).toHaveLength(2 + 2 + 20 + 2 + 1);
  });

  test("security groups are named per cloud and rules carry port, protocol, CIDR and ethertype", async () => {
    const { resources } = await run();
    const groups = resources.filter((r) => r.type === "openstack:networking/secGroup:SecGroup");
    expect(groups.map((g) => g.inputs.name).sort()).toEqual([
      "cloudscheduler-alberta",
      "cloudscheduler-victoria",
    ]);
    const rules = resources
      .filter(
        (r) =>
          r.type === "openstack:networking/secGroupRule:SecGroupRule" &&
          r.name.startsWith("ports-alberta-"),
      )
      .map(
        (r) =>
          `${r.inputs.protocol}/${r.inputs.portRangeMin}-${r.inputs.portRangeMax} ${r.inputs.remoteIpPrefix} ${r.inputs.ethertype} ${r.inputs.direction}`,
      )
      .sort();
    expect(rules).toEqual(
      [
        "tcp/22-22 192.0.2.0/24 IPv4 ingress",
        "tcp/22-22 2001:db8:1::/48 IPv6 ingress",
        "tcp/9618-9618 0.0.0.0/0 IPv4 ingress",
        "tcp/9618-9618 ::/0 IPv6 ingress",
        "tcp/3128-3128 0.0.0.0/0 IPv4 ingress",
        "tcp/3128-3128 ::/0 IPv6 ingress",
        "tcp/80-80 0.0.0.0/0 IPv4 ingress",
        "tcp/80-80 ::/0 IPv6 ingress",
        "tcp/8000-8000 0.0.0.0/0 IPv4 ingress",
        "tcp/8000-8000 ::/0 IPv6 ingress",
      ].sort(),
    );
  });

  test("appliances: names, images, flavors, key pair, network, ports group and secret user-data", async () => {
    const { resources, outputs } = await run();
    const instances = resources.filter((r) => r.type === "openstack:compute/instance:Instance");
    const scheduler = instances.find((r) => r.name === "scheduler-alberta");
    const cvmfs = instances.find((r) => r.name === "cvmfs-alberta");
    expect(scheduler?.inputs).toMatchObject({
      name: "cloudscheduler",
      imageName: "debian-12-condor",
      flavorName: "m1.small",
      keyPair: "site-admin",
      networks: [{ name: "cs-workers" }],
      securityGroups: ["cloudscheduler-alberta"],
    });
    expect(cvmfs?.inputs).toMatchObject({
      name: "alice-cvmfs",
      securityGroups: ["cloudscheduler-alberta"],
    });
    for (const instance of [scheduler, cvmfs]) {
      expect(isSecretValue(instance?.inputs.userData)).toBe(true);
      expect(String(reveal(instance?.inputs.userData))).toMatch(/^#cloud-config\n/);
      expect(instance?.provider).toContain("openstack-alberta");
    }
    expect(String(reveal(cvmfs?.inputs.userData))).toContain("software.cloudscheduler.test");
    expect(String(reveal(scheduler?.inputs.userData))).toContain(
      "https://git.example.org/site/cloudscheduler-config.git",
    );
    // No floating_ip_pool in the example: the fixed IP is what workers get.
    expect(outputs.scheduler?.floatingIp).toBeNull();
    expect(outputs.scheduler && (await resolved(outputs.scheduler.condorHost))).toMatch(
      /^10\.0\.0\.\d+$/,
    );
    expect(outputs.cvmfs?.name).toBe("alice-cvmfs");
    expect(outputs.securityGroups).toEqual({
      alberta: "cloudscheduler-alberta",
      victoria: "cloudscheduler-victoria",
    });
  });

  test("the scheduler appliance gets its secrets as Pulumi secrets, root-only on disk, through LoadCredential", async () => {
    const secret = (value: string) => pulumi.secret(value);
    const { resources } = await run(
      exampleConfig(),
      deps({
        applianceSecrets: {
          cloudsYaml: secret("clouds:\n  alberta:\n    auth:\n      password: s3cr3t-cloud\n"),
          poolPassphrase: secret("s3cr3t-passphrase"),
          deployKey: secret("-----BEGIN OPENSSH PRIVATE KEY-----\ns3cr3t-key\n"),
        },
      }),
    );
    const scheduler = resources.find((r) => r.name === "scheduler-alberta");
    expect(isSecretValue(scheduler?.inputs.userData)).toBe(true);
    const userData = parse(String(reveal(scheduler?.inputs.userData))) as {
      write_files: { path: string; owner?: string; permissions: string; content: string }[];
    };
    const file = (path: string) => userData.write_files.find((f) => f.path === path);
    for (const [path, content] of [
      ["/etc/cloudscheduler/credentials/clouds.yaml", "s3cr3t-cloud"],
      ["/etc/cloudscheduler/credentials/pulumi-passphrase", "s3cr3t-passphrase"],
      ["/etc/cloudscheduler/credentials/deploy-key", "s3cr3t-key"],
    ] as const) {
      expect(file(path), path).toMatchObject({ owner: "root:root", permissions: "0600" });
      expect(file(path)?.content).toContain(content);
    }
    // No secret anywhere else: not in the environment file, the unit or the setup script.
    const elsewhere = userData.write_files
      .filter((f) => !f.path.startsWith("/etc/cloudscheduler/credentials/"))
      .map((f) => f.content)
      .join("\n");
    expect(elsewhere).not.toMatch(/s3cr3t/);
    const unit = file("/etc/systemd/system/cloudscheduler.service")?.content ?? "";
    expect(unit).toContain(
      "LoadCredential=pulumi-passphrase:/etc/cloudscheduler/credentials/pulumi-passphrase",
    );
    expect(unit).toContain(
      "Environment=PULUMI_CONFIG_PASSPHRASE_FILE=/run/credentials/cloudscheduler.service/pulumi-passphrase",
    );
  });

  test("the image copy goes to victoria from a cache file, checksum verified, provenance recorded", async () => {
    const fetcher = new FakeFetcher();
    const { resources } = await run(exampleConfig(), deps({ fetcher }));
    expect(fetcher.requests).toEqual([{ cloud: "alberta", image: "cernvm-demo" }]);
    const image = resources.find((r) => r.type === "openstack:images/image:Image");
    expect(image?.provider).toContain("openstack-victoria");
    expect(image?.inputs).toMatchObject({
      name: "cernvm-demo",
      localFilePath: "/cache/alberta/cernvm-demo.qcow2",
      verifyChecksum: true,
      diskFormat: "qcow2",
      containerFormat: "bare",
      minDiskGb: 20,
      minRamMb: 2048,
      visibility: "private",
    });
    expect(image?.inputs.properties).toEqual({
      os_distro: "debian",
      hw_disk_bus: "virtio",
      cloudscheduler_source_cloud: "alberta",
      cloudscheduler_source_id: "src-cernvm-demo",
      cloudscheduler_source_hash: `sha512:${"ab".repeat(64)}`,
    });
  });

  test("a preview downloads nothing", async () => {
    const fetcher = new FakeFetcher();
    const { resources } = await run(exampleConfig(), deps({ fetcher, dryRun: true }));
    expect(fetcher.requests).toEqual([]);
    expect(names(resources, "openstack:images/image:Image")).toEqual([
      "image-victoria-cernvm-demo",
    ]);
  });
});

test("a disabled cloud gets no provider, group, rule, appliance or image copy", async () => {
  const config = variantConfig((raw) => {
    raw.clouds.victoria.enabled = false;
  });
  const fetcher = new FakeFetcher();
  const { resources, outputs } = await run(config, deps({ fetcher }));
  expect(resources.filter((r) => r.name.includes("victoria"))).toEqual([]);
  expect(resources.filter((r) => r.provider.includes("victoria"))).toEqual([]);
  expect(fetcher.requests).toEqual([]);
  expect(outputs.clouds).toEqual(["alberta"]);
});

test("floating IPs, extra port ranges and default CIDRs", async () => {
  const config = variantConfig((raw) => {
    raw.appliances.scheduler.floating_ip_pool = "public";
    raw.appliances.cvmfs.floating_ip_pool = "public";
    raw.appliances.cvmfs.name = "site-cvmfs";
    raw.ports = {
      worker_cidrs: ["198.51.100.0/24"],
      extra: [{ name: "gridftp", protocol: "udp", port: "20000-20100", cidrs: ["2001:db8::/32"] }],
    };
    raw.images = {};
  });
  const { resources, outputs } = await run(config);
  expect(names(resources, "openstack:networking/floatingIp:FloatingIp")).toEqual([
    "cvmfs-alberta-fip",
    "scheduler-alberta-fip",
  ]);
  const associates = resources.filter(
    (r) => r.type === "openstack:networking/floatingIpAssociate:FloatingIpAssociate",
  );
  expect(associates).toHaveLength(2);
  // Each floating IP goes onto its own appliance's port (Neutron association, by port id).
  expect(associates.map((a) => [a.name, a.inputs.portId]).sort()).toEqual([
    ["cvmfs-alberta-fip-associate", "port-of-cvmfs-alberta-id"],
    ["scheduler-alberta-fip-associate", "port-of-scheduler-alberta-id"],
  ]);
  const rules = resources.filter(
    (r) =>
      r.type === "openstack:networking/secGroupRule:SecGroupRule" &&
      r.name.startsWith("ports-alberta-"),
  );
  // No admin_cidrs: no SSH at all. public_cidrs default to the whole internet for HTTP only.
  expect(rules.some((r) => r.inputs.portRangeMin === 22)).toBe(false);
  expect(
    rules.filter((r) => r.inputs.portRangeMin === 9618).map((r) => r.inputs.remoteIpPrefix),
  ).toEqual(["198.51.100.0/24"]);
  expect(
    rules
      .filter((r) => r.inputs.portRangeMin === 80)
      .map((r) => r.inputs.remoteIpPrefix)
      .sort(),
  ).toEqual(["0.0.0.0/0", "::/0"]);
  const extra = rules.find((r) => r.inputs.protocol === "udp");
  expect(extra?.inputs).toMatchObject({
    portRangeMin: 20000,
    portRangeMax: 20100,
    remoteIpPrefix: "2001:db8::/32",
    ethertype: "IPv6",
  });
  // The floating IP is what workers use, and the scheduler's user-data names the CVMFS one.
  const condorHost = outputs.condorHost && (await resolved(outputs.condorHost));
  expect(condorHost).toMatch(/^203\.0\.113\.\d+$/);
  const cvmfsAddress = outputs.cvmfs?.floatingIp && (await resolved(outputs.cvmfs.floatingIp));
  const scheduler = resources.find((r) => r.name === "scheduler-alberta");
  expect(String(reveal(scheduler?.inputs.userData))).toContain(
    `CLOUDSCHEDULER_CVMFS_HOST=${cvmfsAddress}`,
  );
  expect(String(reveal(scheduler?.inputs.userData))).toContain(
    `CLOUDSCHEDULER_WORKER_CONDOR_HOST=${condorHost}`,
  );
  expect(resources.find((r) => r.name === "cvmfs-alberta")?.inputs.name).toBe("site-cvmfs");
});
