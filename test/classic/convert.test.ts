// The classic import on a realistic UVic-style configuration (test/fixtures/classic/).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { attrListToMap, convertClassic, toName } from "../../scheduler/classic/convert.js";
import { parseIni } from "../../scheduler/classic/ini.js";
import { formatNotice } from "../../scheduler/classic/notice.js";
import { renderImport } from "../../scheduler/classic/render.js";
import { parseConfig } from "../../scheduler/config/load.js";

const fixture = (name: string) =>
  parseIni(readFileSync(new URL(`../fixtures/classic/${name}`, import.meta.url), "utf8"), name);
const resources = fixture("cloud_resources.conf");
const scheduler = fixture("cloud_scheduler.conf");
const FAKE_SECRETS = [
  "fake-west-pw-0001",
  "fake-cybera-pw-0002",
  "fake-ec2-secret-0003",
  "fake-aws-secret-0004",
];

describe("convertClassic on the realistic example", () => {
  const result = convertClassic(resources, scheduler);
  const files = renderImport(result, ["cloud_resources.conf", "cloud_scheduler.conf"]);
  const notices = result.notices.map(formatNotice);

  it("produces a cloudscheduler.yaml that validates", () => {
    const config = parseConfig(files["cloudscheduler.yaml"], "cloudscheduler.yaml");
    expect(Object.keys(config.clouds)).toEqual([
      "uvic-west",
      "cybera-calgary",
      "ec2-api-openstack",
    ]);
  });

  it("maps each OpenStack cloud's keys", () => {
    const config = parseConfig(files["cloudscheduler.yaml"], "cloudscheduler.yaml");
    expect(config.clouds["uvic-west"]).toEqual({
      cloud: "uvic-west",
      region: "Victoria",
      network: "hep-private",
      enabled: true,
      weight: 3,
      quota: { instances: 40, cores: 160, ram_mb: 160000 },
      flavors: ["c4.m16"],
      images: ["sl7-condor-2024"],
      key_pair: "hep-admin",
    });
    expect(config.clouds["cybera-calgary"]).toMatchObject({
      region: "Calgary",
      weight: 1,
      quota: { instances: 12, cores: 64, ram_mb: 128000 },
      images: ["centos7-condor"],
    });
    expect(config.clouds["ec2-api-openstack"]).toMatchObject({
      enabled: false,
      network: "hep-private",
    });
  });

  it("takes the VM type and policy from cloud_scheduler.conf", () => {
    const config = parseConfig(files["cloudscheduler.yaml"], "cloudscheduler.yaml");
    expect(config.vm_types).toEqual({
      "hep-worker": {
        image: "sl7-condor-2024",
        flavor: "c4.m16",
        cores: 4,
        ram_mb: 15000,
        disk_gb: 40,
        keep_alive: 1800,
        template: "worker",
        clouds: ["uvic-west", "ec2-api-openstack"],
      },
    });
    expect(config.policy).toMatchObject({
      boot_timeout: 1200,
      idle_keep_alive: 600,
      max_boots_per_cycle: 4,
      retire_with: "peaceful-off",
    });
    expect(config.condor).toMatchObject({
      pool: "condor.hep.uvic.example:9618",
      worker_condor_host: "condor.hep.uvic.example",
    });
  });

  it("moves passwords to secure.yaml and connection details to clouds.yaml", () => {
    expect(files["secure.yaml"]).toContain(
      "uvic-west:\n    auth:\n      password: fake-west-pw-0001",
    );
    expect(files["secure.yaml"]).toContain(
      "cybera-calgary:\n    auth:\n      password: fake-cybera-pw-0002",
    );
    expect(result.cloudsYaml["cybera-calgary"]).toEqual({
      auth: {
        auth_url: "https://keystone.cybera.example:5000/v3",
        username: "hepbatch",
        project_name: "hep-uvic",
        user_domain_name: "cybera",
        project_domain_name: "cybera",
      },
      region_name: "Calgary",
    });
    expect(result.cloudsYaml["uvic-west"]).toMatchObject({
      cacert: "/etc/pki/tls/certs/uvic-ca.pem",
    });
    expect(notices).toContain(
      "cloud_resources.conf:8 [uvic-west] password: moved to secure.yaml (clouds.uvic-west.auth.password); it is not in cloudscheduler.yaml",
    );
  });

  it("keeps every secret out of cloudscheduler.yaml, clouds.yaml, the notices and JSON", () => {
    const outside = [
      files["cloudscheduler.yaml"],
      files["clouds.yaml"],
      notices.join("\n"),
      JSON.stringify(result),
    ];
    for (const text of outside)
      for (const secret of FAKE_SECRETS) expect(text).not.toContain(secret);
    // EC2 secrets are not written anywhere, not even secure.yaml.
    expect(files["secure.yaml"]).not.toContain("fake-ec2-secret-0003");
    expect(files["secure.yaml"]).not.toContain("fake-aws-secret-0004");
  });

  it("skips non-OpenStack clouds with a notice", () => {
    expect(notices).toContain(
      "cloud_resources.conf:59 [amazon] cloud_type: cloud_type AmazonEC2 is not OpenStack; cloud skipped (cloudscheduler boots workers on OpenStack only)",
    );
    expect(notices).toContain(
      "cloud_resources.conf:71 [nimbus-legacy] cloud_type: cloud_type Nimbus is not OpenStack; cloud skipped (cloudscheduler boots workers on OpenStack only)",
    );
  });

  it("reports every key it did not import, with the reason", () => {
    expect(notices).toEqual(
      expect.arrayContaining([
        "cloud_resources.conf:17 [uvic-west] storage: not imported: cloudscheduler has no storage quota; disk comes from each VM type's disk_gb and the flavor",
        "cloud_resources.conf:12 [uvic-west] security_group: not imported: cloudscheduler manages the workers' security group itself (see 'ports' in cloudscheduler.yaml)",
        "cloud_resources.conf:11 [uvic-west] networks: workers attach to one network: hep-private imported, hep-public not",
        "cloud_resources.conf:32 [Cybera_Calgary] regions: only the first region (Calgary) imported; add a cloud per extra region (Edmonton)",
        "cloud_resources.conf:42 [Cybera_Calgary] placement_zone: not imported: availability zones are not configurable yet",
        "cloud_resources.conf:49 [ec2-api-openstack] secret_access_key: EC2 secret not imported (Keystone cannot use it) and not written anywhere; create an application credential for this cloud",
        "cloud_scheduler.conf:13 [global] scheduler_interval: not imported: cloudscheduler plans once per policy.cycle (default 60s)",
        "cloud_scheduler.conf:20 [logging] log_format: not imported: cloudscheduler logs structured JSON",
      ]),
    );
    // Every option of an imported cloud is accounted for: mapped silently or named in a notice.
    const mapped = new Set([
      "cloud_type",
      "auth_url",
      "username",
      "password",
      "tenant_name",
      "project_name",
      "regions",
      "networks",
      "key_name",
      "vm_slots",
      "cpu_cores",
      "total_cpu_cores",
      "memory",
      "priority",
      "enabled",
      "vm_keep_alive",
      "cacert",
      "user_domain_name",
      "project_domain_name",
    ]);
    for (const section of resources.sections.slice(0, 3)) {
      for (const option of section.options.values()) {
        if (mapped.has(option.key)) continue;
        expect(result.notices.some((n) => n.section === section.name && n.key === option.key)).toBe(
          true,
        );
      }
    }
  });

  it("renames clouds to valid names and says so", () => {
    expect(result.cloudNames).toEqual({
      "uvic-west": "uvic-west",
      Cybera_Calgary: "cybera-calgary",
      "ec2-api-openstack": "ec2-api-openstack",
    });
    expect(notices).toContain(
      "cloud_resources.conf:24 [Cybera_Calgary]: cloud renamed to 'cybera-calgary' (names are lower-case letters, digits and '-'); jobs' +TargetClouds must use the new name",
    );
  });
});

describe("convertClassic without cloud_scheduler.conf", () => {
  const only = parseIni(
    "[west]\ncloud_type: OpenStackNative\nauth_url: https://k.example:5000/v3\nusername: u\npassword: fake-pw-9\ntenant_name: p\nvm_slots: 4\n",
    "cloud_resources.conf",
  );
  const result = convertClassic(only);
  const files = renderImport(result, ["cloud_resources.conf"]);

  it("fills what the classic file lacks with marked placeholders that still validate", () => {
    const config = parseConfig(files["cloudscheduler.yaml"], "cloudscheduler.yaml");
    expect(config.clouds.west).toMatchObject({
      network: "REPLACE-ME-network",
      flavors: ["REPLACE-ME-flavor"],
      images: ["REPLACE-ME-image"],
      quota: { instances: 4, cores: 1, ram_mb: 1024 },
    });
    expect(config.vm_types.default).toMatchObject({ image: "REPLACE-ME-image", disk_gb: 20 });
    const marked = files["cloudscheduler.yaml"]
      .split("\n")
      .filter((l) => l.includes("# PLACEHOLDER:"));
    expect(marked).toEqual(
      expect.arrayContaining([
        "    # PLACEHOLDER: no networks in the classic config: set the Neutron network workers attach to",
        "      # PLACEHOLDER: no total_cpu_cores or cpu_cores: set the cores this cloud may use",
        "    # PLACEHOLDER: set the worker image",
        "  # PLACEHOLDER: where workers connect from (HTCondor 9618, Squid 3128); narrow it to your clouds' addresses",
      ]),
    );
    expect(result.notices.filter((n) => n.kind === "placeholder").map((n) => n.message)).toContain(
      "clouds.west.network: no networks in the classic config: set the Neutron network workers attach to",
    );
  });
});

describe("helpers", () => {
  it("reads the classic cloud:value list format", () => {
    expect(attrListToMap("ami-1")).toEqual({ default: "ami-1" });
    expect(attrListToMap("a:img-a, b:img-b")).toEqual({ a: "img-a", b: "img-b" });
    expect(attrListToMap(undefined)).toEqual({});
  });
  it("makes valid cloud names", () => {
    expect(toName("Cybera_Calgary")).toBe("cybera-calgary");
    expect(toName("--UVic  West--")).toBe("uvic-west");
    expect(toName("x".repeat(50))).toHaveLength(40);
  });
});
