// Every schema rule: accepted and rejected values per key, and the defaults.
// Each case edits one key of a minimal valid config and checks the problem path and text.
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseConfig } from "../../scheduler/config/load.js";
import { ConfigError } from "../../scheduler/config/problem.js";

function minimal() {
  return {
    version: 1,
    clouds: {
      alberta: {
        cloud: "alberta",
        network: "cs-workers",
        quota: { instances: 10, cores: 40, ram_mb: 81920 },
        flavors: ["m1.small"],
        images: ["cernvm-demo"],
      },
    },
    vm_types: {
      "demo-vm": { image: "cernvm-demo", flavor: "m1.small", cores: 2, ram_mb: 4096, disk_gb: 20 },
    },
    ports: { worker_cidrs: ["0.0.0.0/0"] },
  };
}

type Tree = Record<string, unknown>;

/** Sets (or with `undefined`, deletes) the value at a dotted path of the minimal config. */
function withValue(path: string, value: unknown, config: Tree = minimal()): Tree {
  const parts = path.split(".");
  let node = config;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Tree;
  }
  const last = parts[parts.length - 1] as string;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return config;
}

function problems(config: unknown): { path: string; message: string }[] {
  try {
    parseConfig(stringify(config), "cloudscheduler.yaml");
  } catch (err) {
    if (err instanceof ConfigError)
      return err.problems.map(({ path, message }) => ({ path, message }));
    throw err;
  }
  return [];
}

describe("cloudscheduler.yaml schema", () => {
  it("accepts the minimal config and fills every default", () => {
    const config = parseConfig(stringify(minimal()), "cloudscheduler.yaml");
    expect(config.clouds.alberta).toMatchObject({ enabled: true, weight: 1 });
    expect(config.vm_types["demo-vm"]?.template).toBe("worker");
    expect(config.images).toEqual({});
    expect(config.appliances).toEqual({});
    expect(config.ports).toEqual({
      admin_cidrs: [],
      worker_cidrs: ["0.0.0.0/0"],
      public_cidrs: ["0.0.0.0/0", "::/0"],
      extra: [],
    });
    expect(config.policy).toEqual({
      cycle: 60,
      max_boots_per_cycle: 5,
      deploy: { concurrency: 4, timeout: 3600, parallelism: 16, shard_size: 50 },
      boot_timeout: 900,
      idle_keep_alive: 600,
      drain_timeout: 86_400,
      retire_with: "drain",
      lost_grace: 900,
      orphan_grace: 900,
      disruption_budget: "10%",
      // The policy knobs default to the behaviour before they existed.
      boot_estimate: 180,
      ramp: { max_hold: 0, min_cores: 0 },
      cancel_boots: { max_age: 0 },
      keep_alive: {
        mode: "fixed",
        window: 3600,
        spares_per_arrival: 1,
        min: 0,
        core_seconds: 600,
        cap_at_reboot: false,
      },
      max_worker_life: 7 * 86_400,
    });
    expect(config.condor).toEqual({ timeout: 30 });
    expect("deploy" in config).toBe(false);
  });

  const accepted: [string, unknown][] = [
    ["clouds.alberta.region", "RegionOne"],
    ["clouds.alberta.enabled", false],
    ["clouds.alberta.weight", 0.5],
    ["clouds.alberta.key_pair", "site-admin"],
    ["clouds.alberta.network", "net with spaces/and:colons"],
    ["clouds.alberta.quota.instances", 1],
    ["vm_types.demo-vm.keep_alive", "90s"],
    ["vm_types.demo-vm.keep_alive", 0],
    ["vm_types.demo-vm.max_instances", 3],
    ["vm_types.demo-vm.template", "worker-gpu"],
    ["vm_types.demo-vm.clouds", ["alberta"]],
    ["policy.cycle", "2m"],
    ["policy.boot_timeout", "1h"],
    ["policy.drain_timeout", "2d"],
    ["policy.retire_with", "peaceful-off"],
    ["policy.boot_estimate", "4m"],
    ["policy.ramp", { max_hold: "2m", min_cores: 4 }],
    ["policy.keep_alive", { mode: "per-core", core_seconds: 120 }],
    ["policy.keep_alive", { mode: "break-even", cap_at_reboot: true }],
    ["policy.cancel_boots", { max_age: "90s" }],
    ["policy.keep_alive", { mode: "adaptive", window: "2h", spares_per_arrival: 1.5, min: "1m" }],
    ["ports.admin_cidrs", ["192.0.2.0/24", "2001:db8::/32"]],
    ["ports.extra", [{ name: "gridftp", port: "50000-51000", cidrs: ["10.0.0.0/8"] }]],
    ["ports.extra", [{ name: "xrootd", protocol: "udp", port: 1094, cidrs: ["::/0"] }]],
    ["condor.pool", "cm.example.org:9618"],
    ["policy.max_worker_life", "2d"],
    ["policy.max_worker_life", "90d"],
  ];
  it.each(accepted)("accepts %s = %j", (path, value) => {
    expect(problems(withValue(path, value))).toEqual([]);
  });

  const rejected: [string, unknown, string][] = [
    ["version", 2, "expected 1, got 2"],
    ["version", undefined, "is required (expected 1)"],
    ["clouds", undefined, "is required (expected a mapping)"],
    ["clouds", [], "expected a mapping, got a list"],
    ["clouds.alberta.network", undefined, "is required (expected a string)"],
    [
      "clouds.alberta.network",
      "",
      `expected an OpenStack name (letters, digits, ' ._:+-/'), got ""`,
    ],
    [
      "clouds.alberta.network",
      'net"work',
      `expected an OpenStack name (letters, digits, ' ._:+-/'), got "net\\"work"`,
    ],
    ["clouds.alberta.enabled", "yes", 'expected true or false, got "yes"'],
    ["clouds.alberta.weight", 0, "expected a positive number, got 0"],
    ["clouds.alberta.weight", -1, "expected a positive number, got -1"],
    ["clouds.alberta.quota.cores", -4, "expected a positive integer, got -4"],
    ["clouds.alberta.quota.cores", 2.5, "expected a positive integer, got 2.5"],
    ["clouds.alberta.quota.ram_mb", "lots", 'expected a positive integer, got "lots"'],
    ["clouds.alberta.quota.instances", 0, "expected a positive integer, got 0"],
    ["clouds.alberta.flavors", [], "expected at least one item"],
    ["clouds.alberta.images", "cernvm-demo", 'expected a list, got "cernvm-demo"'],
    ["clouds.alberta.region", { a: 1 }, "expected a string, got a mapping"],
    [
      "clouds.alberta.auth_url",
      "ftp://keystone.example.org",
      'expected an http(s) Keystone URL like https://keystone.example.org:5000/v3, got "ftp://keystone.example.org"',
    ],
    ["vm_types.demo-vm.cores", 0, "expected a positive integer, got 0"],
    ["vm_types.demo-vm.disk_gb", undefined, "is required (expected a positive integer)"],
    ["clouds.alberta.quota", undefined, "is required (expected a mapping)"],
    [
      "vm_types.demo-vm.keep_alive",
      "soon",
      'expected a duration like 90s, 10m, 2h or 1d, got "soon"',
    ],
    ["vm_types.demo-vm.keep_alive", -5, "expected a whole number >= 0, got -5"],
    [
      "vm_types.demo-vm.template",
      "Worker!",
      `expected a lower-case name of letters, digits and '-' (1-40 characters), got "Worker!"`,
    ],
    ["policy.retire_with", "kill", 'expected "drain" or "peaceful-off", got "kill"'],
    ["policy.max_boots_per_cycle", 0, "expected a positive integer, got 0"],
    [
      "policy.keep_alive",
      { mode: "clever" },
      'expected "fixed" or "adaptive" or "per-core" or "break-even", got "clever"',
    ],
    ["policy.keep_alive", { window: 0 }, "expected a duration above 0, got 0"],
    ["policy.keep_alive", { core_seconds: -1 }, "expected at least 0, got -1"],
    ["policy.ramp", { max_hold: "2m", hold: "1m" }, "unknown key"],
    ["policy.max_worker_life", "30m", 'expected at least 1h, got "30m"'],
    ["policy.max_worker_life", "91d", 'expected at most 90d, got "91d"'],
    ["policy.max_worker_life", "10m", 'expected at least 1h, got "10m"'],
    ["ports.worker_cidrs", [], "expected at least one item"],
    ["images", { "cernvm-demo": { from: "alberta" } }, "is required (expected a list)"],
    [
      "images",
      { "cernvm-demo": { from: "alberta", to: ["victoria"], visibility: "secret" } },
      'expected "private" or "shared" or "community" or "public", got "secret"',
    ],
  ];
  it.each(rejected)("rejects %s = %j", (path, value, message) => {
    const found = problems(withValue(path, value));
    expect(found.map((p) => p.message)).toContain(message);
  });

  it("rejects a worker life no longer than the boot timeout", () => {
    const config = withValue(
      "policy.boot_timeout",
      "2h",
      withValue("policy.max_worker_life", "1h"),
    );
    expect(problems(config)).toEqual([
      {
        path: "policy.max_worker_life",
        message: "expected more than policy.boot_timeout (7200s), got 3600s",
      },
    ]);
  });

  it("takes a CVMFS key fingerprint in any case, with or without colons, and nothing else", () => {
    const appliance = (extra: Record<string, unknown>) =>
      withValue("appliances.cvmfs", {
        cloud: "alberta",
        image: "debian-12-condor",
        flavor: "m1.small",
        repository: "software.example.org",
        ...extra,
      });
    const hex = "AB".repeat(32);
    expect(problems(appliance({ public_key_sha256: hex }))).toEqual([]);
    expect(problems(appliance({ public_key_sha256: hex.match(/../g)?.join(":") }))).toEqual([]);
    expect(problems(appliance({ public_key_sha256: "abc" }))).toEqual([
      {
        path: "appliances.cvmfs.public_key_sha256",
        message: 'expected a SHA-256 fingerprint: 64 hex digits (colons allowed), got "abc"',
      },
    ]);
    expect(
      problems(
        appliance({ release_package: { url: "http://cvmrepo.example.org/r.deb", sha256: hex } }),
      ).map((p) => p.path),
    ).toEqual(["appliances.cvmfs.release_package.url"]);
  });

  it("rejects a bad CIDR in every CIDR list", () => {
    for (const key of ["admin_cidrs", "worker_cidrs", "public_cidrs"]) {
      for (const bad of ["192.0.2.0/33", "300.0.0.0/8", "10.0.0.0", "2001:db8::1::/64"]) {
        expect(problems(withValue(`ports.${key}`, [bad]))).toEqual([
          {
            path: `ports.${key}[0]`,
            message: `expected a CIDR like 192.0.2.0/24 or 2001:db8::/32, got ${JSON.stringify(bad)}`,
          },
        ]);
      }
    }
  });

  it("rejects a reversed port range", () => {
    expect(
      problems(withValue("ports.extra", [{ name: "x", port: "9100-9000", cidrs: ["::/0"] }])),
    ).toEqual([
      {
        path: "ports.extra[0].port",
        message: 'expected a port (1-65535) or a range like 9000-9100, got "9100-9000"',
      },
    ]);
  });

  it("rejects a port out of range and a bad protocol in ports.extra", () => {
    const found = problems(
      withValue("ports.extra", [{ name: "x", protocol: "icmp", port: 70000, cidrs: ["::/0"] }]),
    );
    expect(found).toEqual([
      { path: "ports.extra[0].protocol", message: 'expected "tcp" or "udp", got "icmp"' },
      {
        path: "ports.extra[0].port",
        message: "expected a port (1-65535) or a range like 9000-9100, got 70000",
      },
    ]);
  });

  it("requires exactly one of cloud and auth_url", () => {
    const neither = withValue("clouds.alberta.cloud", undefined);
    expect(problems(neither)).toEqual([
      {
        path: "clouds.alberta",
        message:
          "needs 'cloud' (the clouds.yaml entry with its credentials) or 'auth_url' (credentials from OS_* variables)",
      },
    ]);
    const both = withValue("clouds.alberta.auth_url", "https://keystone.example.org:5000/v3");
    expect(problems(both)).toEqual([
      {
        path: "clouds.alberta.auth_url",
        message: "set either 'cloud' (a clouds.yaml entry) or 'auth_url', not both",
      },
    ]);
    const urlOnly = withValue("clouds.alberta.cloud", undefined, both);
    expect(problems(urlOnly)).toEqual([]);
  });

  it("rejects names that cannot be used in resource names", () => {
    const config = withValue("clouds.Alberta_1", minimal().clouds.alberta);
    expect(problems(config)).toContainEqual({
      path: "clouds.Alberta_1",
      message:
        "invalid name: expected a lower-case name of letters, digits and '-' (1-40 characters)",
    });
  });

  it("validates the appliances", () => {
    const appliances = {
      scheduler: {
        cloud: "alberta",
        image: "debian-12",
        flavor: "m1.small",
        config_repo: "https://git.example.org/site/config.git",
      },
      cvmfs: { cloud: "alberta", image: "debian-12", flavor: "m1.small", repository: "nope" },
    };
    const found = problems(withValue("appliances", appliances));
    expect(found).toEqual([
      {
        path: "appliances.cvmfs.repository",
        message: 'expected a repository name like software.example.org, got "nope"',
      },
    ]);
    appliances.cvmfs.repository = "software.example.org";
    const config = parseConfig(stringify(withValue("appliances", appliances)), "c.yaml");
    expect(config.appliances.scheduler).toMatchObject({
      name: "cloudscheduler",
      config_branch: "main",
    });
  });
});
