// Every cloud-init template: rendered for the example config it is valid cloud-config
// (`cloud-init schema`) with clean shell (shellcheck); rendered with hostile values it has
// exactly the structure it has with a harmless placeholder, the hostile text appearing only
// as quoted data (or the render is refused).
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { RenderError, UnsafeValueError } from "../../scheduler/render/errors.js";
import { condorConfigString, shellWord } from "../../scheduler/render/quote.js";
import { createRenderer } from "../../scheduler/render/render.js";
import {
  cvmfsUserData,
  NO_SCHEDULER_SECRETS,
  schedulerUserData,
  WORKER_RETIREMENT_SECONDS,
  type WorkerUserDataInput,
  workerUserData,
} from "../../stacks/user-data.js";
import { exampleConfig } from "../stacks/fixtures.js";
import { HOSTILE } from "./hostile.js";
import { cloudInitSchemaErrors, pyYamlParse, shellcheckFindings, tool } from "./tools.js";

const renderer = createRenderer();
const config = exampleConfig();
const schedulerAppliance = config.appliances.scheduler;
const cvmfsAppliance = config.appliances.cvmfs;
if (!schedulerAppliance || !cvmfsAppliance) throw new Error("example config lost its appliances");

const cloudInit = tool("cloud-init", ["--version"]);
const shellcheck = tool("shellcheck", ["--version"]);

const worker = (over: Partial<WorkerUserDataInput> = {}): string =>
  workerUserData(renderer, "worker", {
    name: "cs-alberta-demo-vm-0001",
    vmType: "demo-vm",
    cloud: "alberta",
    condorHost: "cm.cloudscheduler.test",
    idToken: "eyJhbGciOiJIUzI1NiJ9.payload.signature",
    lifeEndsAt: 1_796_201_200,
    cvmfs: cvmfsEndpoint("192.0.2.10"),
    ...over,
  });

function cvmfsEndpoint(host: string, repository = cvmfsAppliance?.repository ?? "") {
  return { repository, host, publicKeySha256: "ab".repeat(32), releasePackage: null };
}

const SECRETS = {
  cloudsYaml:
    "clouds:\n  alberta:\n    auth:\n      application_credential_secret: s3cr3t-clouds\n",
  poolPassphrase: "s3cr3t-passphrase",
  deployKey: "-----BEGIN OPENSSH PRIVATE KEY-----\ns3cr3t-key\n-----END OPENSSH PRIVATE KEY-----\n",
};

const scheduler = (
  over: {
    repo?: string;
    branch?: string;
    softwareRepo?: string;
    softwareRef?: string;
    software?: boolean;
    secrets?: boolean;
    knownHosts?: string;
    pulumiSha256?: string | null;
    secretValues?: Partial<typeof SECRETS>;
  } = {},
) =>
  schedulerUserData(renderer, {
    appliance: {
      ...schedulerAppliance,
      config_repo: over.repo ?? schedulerAppliance.config_repo,
      config_branch: over.branch ?? schedulerAppliance.config_branch,
    },
    software:
      over.software === false
        ? null
        : {
            repo: over.softwareRepo ?? "https://git.example.org/cloudscheduler.git",
            ref: over.softwareRef ?? "v0.1.0",
          },
    pulumiVersion: "3.248.0",
    pulumiSha256: over.pulumiSha256 === undefined ? "cd".repeat(32) : over.pulumiSha256,
    secrets: over.secrets === false ? NO_SCHEDULER_SECRETS : { ...SECRETS, ...over.secretValues },
    configRepoKnownHosts: over.knownHosts ?? null,
    cvmfsHost: "192.0.2.10",
    workerCondorHost: null,
  });

const cvmfs = (publicAddress: string | null = null, pinned = false) =>
  cvmfsUserData(renderer, {
    appliance: pinned
      ? {
          ...cvmfsAppliance,
          release_package: {
            url: "https://cvmrepo.example.org/cvmfs-release_9.9-1_all.deb",
            sha256: "ef".repeat(32),
          },
        }
      : cvmfsAppliance,
    workerCidrs: config.ports.worker_cidrs,
    publicAddress,
  });

/** The example renders, one per template and optional part. */
const EXAMPLES: Record<string, () => string> = {
  worker: () => worker(),
  "worker-no-token-no-cvmfs": () => worker({ idToken: null, cvmfs: null }),
  "worker-cvmfs-release-package": () =>
    worker({
      cvmfs: {
        ...cvmfsEndpoint("192.0.2.10"),
        releasePackage: {
          url: "https://cvmrepo.example.org/cvmfs-release_9.9-1_all.deb",
          sha256: "ef".repeat(32),
        },
      },
    }),
  scheduler: () => scheduler(),
  "scheduler-no-software-no-secrets": () =>
    scheduler({ software: false, secrets: false, pulumiSha256: null }),
  "scheduler-known-hosts": () =>
    scheduler({ knownHosts: "git.example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE" }),
  cvmfs: () => cvmfs(),
  "cvmfs-floating-ip-pinned-release": () => cvmfs("203.0.113.7", true),
};

interface WriteFile {
  path: string;
  content: string;
  permissions?: string;
}

function writeFiles(userData: string): WriteFile[] {
  return (parse(userData) as { write_files: WriteFile[] }).write_files ?? [];
}

const isScript = (file: WriteFile) => file.content.startsWith("#!/bin/");

describe("the example renders", () => {
  test.each(Object.keys(EXAMPLES))(
    "%s is #cloud-config that PyYAML and yaml read alike",
    (name) => {
      const text = EXAMPLES[name]?.() ?? "";
      expect(text.startsWith("#cloud-config\n")).toBe(true);
      const doc = parse(text) as Record<string, unknown>;
      expect(Object.keys(doc).sort()).toEqual(["runcmd", "write_files"]);
      expect(pyYamlParse([text])[0]).toEqual(doc);
    },
  );

  test.skipIf(!cloudInit.available)("each passes cloud-init schema", () => {
    for (const [name, make] of Object.entries(EXAMPLES)) {
      expect(cloudInitSchemaErrors(name, make()), name).toBe("");
    }
  });

  test.skipIf(!shellcheck.available)("every embedded script passes shellcheck", () => {
    let scripts = 0;
    for (const [name, make] of Object.entries(EXAMPLES)) {
      for (const file of writeFiles(make()).filter(isScript)) {
        scripts += 1;
        expect(
          shellcheckFindings(`${name}-${file.path.split("/").pop()}`, file.content),
          `${name} ${file.path}`,
        ).toBe("");
      }
    }
    // worker x3 (setup and lockdown each), scheduler x3, CVMFS x2 with its Hello program each.
    expect(scripts).toBe(3 * 2 + 3 + 2 * 2);
  });
});

describe("the worker", () => {
  test("writes the startd config of a partitionable slot naming the VM and its type", () => {
    const conf =
      writeFiles(worker()).find((f) => f.path === "/etc/condor/config.d/50-cloudscheduler.conf")
        ?.content ?? "";
    const lines = conf.split("\n");
    for (const line of [
      "CONDOR_HOST = cm.cloudscheduler.test",
      "DAEMON_LIST = MASTER STARTD",
      "NUM_SLOTS = 1",
      "NUM_SLOTS_TYPE_1 = 1",
      "SLOT_TYPE_1 = 100%",
      "SLOT_TYPE_1_PARTITIONABLE = True",
      'CloudSchedulerVM = "cs-alberta-demo-vm-0001"',
      'VMType = "demo-vm"',
      "NETWORK_HOSTNAME = cs-alberta-demo-vm-0001.workers.cloudscheduler",
      "CloudSchedulerLifeEnds = 1796201200",
      "STARTD_ATTRS = $(STARTD_ATTRS) CloudSchedulerVM VMType CloudSchedulerCloud CloudSchedulerLifeEnds",
      "MASTER_ATTRS = $(MASTER_ATTRS) CloudSchedulerVM",
      `MaxJobRetirementTime = ${WORKER_RETIREMENT_SECONDS}`,
      "START = (TARGET.VMType =?= MY.VMType) && (time() < MY.CloudSchedulerLifeEnds)",
    ]) {
      expect(lines).toContain(line);
    }
  });

  test("writes the token 0600 under tokens.d and the CVMFS client config", () => {
    const files = writeFiles(worker());
    expect(
      files.find((f) => f.path === "/etc/condor/tokens.d/cloudscheduler-worker"),
    ).toMatchObject({
      permissions: "0600",
      content: "eyJhbGciOiJIUzI1NiJ9.payload.signature",
    });
    const local = files.find((f) => f.path === "/etc/cvmfs/default.local")?.content ?? "";
    expect(local).toContain("CVMFS_REPOSITORIES='software.cloudscheduler.test'");
    expect(local).toContain("CVMFS_HTTP_PROXY='http://192.0.2.10:3128'");
    const repo =
      files.find((f) => f.path === "/etc/cvmfs/config.d/software.cloudscheduler.test.conf")
        ?.content ?? "";
    expect(repo).toContain("CVMFS_SERVER_URL='http://192.0.2.10:8000/cvmfs/@fqrn@'");
    expect((parse(worker()) as { runcmd: unknown }).runcmd).toEqual([
      ["bash", "/var/lib/cloudscheduler/worker-setup.sh"],
    ]);
  });

  test("a missing template variable is an error, not an empty string", () => {
    expect(() => renderer.render("worker", { name: "x" })).toThrow(RenderError);
  });
});

/** Replaces each quoted form of `from` by the same form of `to`, throughout a parsed document. */
function swapQuoted(doc: unknown, from: string, to: string): unknown {
  if (typeof doc === "string") {
    if (doc === from) return to;
    let text = doc.replaceAll(shellWord(from), shellWord(to));
    try {
      text = text.replaceAll(condorConfigString(from), condorConfigString(to));
    } catch {
      // refused values never reach a condor file
    }
    return text;
  }
  if (Array.isArray(doc)) return doc.map((item) => swapQuoted(item, from, to));
  if (doc !== null && typeof doc === "object") {
    return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, swapQuoted(v, from, to)]));
  }
  return doc;
}

const PLACEHOLDER = "PLACEHOLDER";

/** Which field takes the hostile value, rendered through which template. */
const INJECTION_POINTS: Record<string, (value: string) => string> = {
  "worker name": (v) => worker({ name: v }),
  "worker VM type": (v) => worker({ vmType: v }),
  "worker cloud": (v) => worker({ cloud: v }),
  "worker IDTOKEN": (v) => worker({ idToken: v }),
  "worker CONDOR_HOST": (v) => worker({ condorHost: v }),
  "worker CVMFS host": (v) => worker({ cvmfs: cvmfsEndpoint(v, "software.cloudscheduler.test") }),
  "scheduler passphrase": (v) => schedulerWith({ poolPassphrase: v }),
  "scheduler clouds.yaml": (v) => schedulerWith({ cloudsYaml: v }),
  "scheduler deploy key": (v) => schedulerWith({ deployKey: v }),
  "scheduler known hosts": (v) => scheduler({ knownHosts: v }),
  "scheduler config repo": (v) => scheduler({ repo: v }),
  "scheduler config branch": (v) => scheduler({ branch: v }),
  "scheduler software repo": (v) => scheduler({ softwareRepo: v }),
  "scheduler software ref": (v) => scheduler({ softwareRef: v }),
};

test.each(Object.keys(INJECTION_POINTS))(
  "hostile %s: data or refused, never structure",
  (point) => {
    const make = INJECTION_POINTS[point] ?? (() => "");
    const baseline = parse(make(PLACEHOLDER)) as unknown;
    const rendered: { hostile: string; text: string }[] = [];
    for (const hostile of HOSTILE) {
      try {
        rendered.push({ hostile, text: make(hostile) });
      } catch (err) {
        // Refusing is harmless: the error says which syntax could not hold the value.
        const unsafe = err instanceof RenderError ? err.cause : err;
        expect(unsafe, JSON.stringify(hostile)).toBeInstanceOf(UnsafeValueError);
      }
    }
    const pyDocs = pyYamlParse(rendered.map((r) => r.text));
    rendered.forEach(({ hostile, text }, i) => {
      const doc = parse(text) as unknown;
      expect(pyDocs[i], JSON.stringify(hostile)).toEqual(doc);
      expect(swapQuoted(doc, hostile, PLACEHOLDER), JSON.stringify(hostile)).toEqual(baseline);
    });
  },
);

test("shell-quoted fields take every hostile value; HTCondor fields refuse only '$' and breaks", () => {
  const count = (point: string) =>
    HOSTILE.filter((h) => {
      try {
        INJECTION_POINTS[point]?.(h);
        return true;
      } catch {
        return false;
      }
    }).length;
  expect(count("scheduler config branch")).toBe(HOSTILE.length);
  expect(count("worker IDTOKEN")).toBe(HOSTILE.length);
  expect(count("worker VM type")).toBe(
    HOSTILE.filter((h) => ![..."$\r\u0085\u2028"].some((c) => h.includes(c))).length,
  );
});

test.skipIf(!cloudInit.available || !shellcheck.available)(
  "hostile values that render still give valid cloud-config and clean shell",
  () => {
    // Every hostile string at once (cloud-init schema takes most of a second per file).
    const all = HOSTILE.join(" | ");
    const texts = [
      worker({ idToken: all, vmType: all.replace(/[$\r\u0085\u2028]/g, "") }),
      scheduler({
        repo: all,
        branch: all,
        softwareRepo: all,
        softwareRef: all,
        knownHosts: all,
        secretValues: { cloudsYaml: all, poolPassphrase: all, deployKey: all },
      }),
    ];
    for (const text of texts) {
      expect(cloudInitSchemaErrors("hostile", text)).toBe("");
      for (const file of writeFiles(text).filter(isScript)) {
        expect(shellcheckFindings("hostile.sh", file.content, "warning")).toBe("");
      }
    }
  },
);

/** The scheduler appliance with these secrets (the rest as in SECRETS). */
function schedulerWith(secrets: Partial<typeof SECRETS>): string {
  return schedulerUserData(renderer, {
    appliance: schedulerAppliance as NonNullable<typeof schedulerAppliance>,
    software: null,
    pulumiVersion: "3.248.0",
    pulumiSha256: null,
    secrets: { ...SECRETS, ...secrets },
    configRepoKnownHosts: null,
    cvmfsHost: null,
    workerCondorHost: null,
  });
}

test("hostile values are refused where there is no quoting", () => {
  // A worker's name is its HTCondor host name (NETWORK_HOSTNAME) and its identity: host words only.
  expect(() => worker({ name: "cs-x\nSTART = True" })).toThrow(RenderError);
  expect(() => worker({ condorHost: "cm\nSTART = True" })).toThrow(RenderError);
  expect(() => worker({ vmType: "$(STARTD_ATTRS)" })).toThrow(RenderError);
  expect(() => worker({ cvmfs: cvmfsEndpoint("192.0.2.10", "../../etc") })).toThrow(
    UnsafeValueError,
  );
  expect(() =>
    worker({ cvmfs: { ...cvmfsEndpoint("192.0.2.10"), publicKeySha256: "ab'; rm -rf /" } }),
  ).toThrow(UnsafeValueError);
  expect(() => worker({ lifeEndsAt: 1.5 })).toThrow(UnsafeValueError);
  expect(() =>
    cvmfsUserData(renderer, {
      appliance: cvmfsAppliance,
      workerCidrs: ["0.0.0.0/0\nhttp_access allow all"],
      publicAddress: null,
    }),
  ).toThrow(RenderError);
});
