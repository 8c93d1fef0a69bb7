// The AutomationDeployer through the real Automation API, against a stand-in `pulumi` script
// (there is no Pulumi CLI here): it answers `version`, fails `stack select` as a missing stack
// does, and plays back a chosen failure, logging every call and the settings it was given.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../scheduler/config/load.js";
import {
  AutomationDeployer,
  countChanges,
  instancesInState,
  parseInstances,
} from "../../scheduler/deploy/automation-deployer.js";
import {
  LockHeldError,
  ProgramError,
  PulumiNotInstalledError,
  QuotaExceededError,
  SecretsError,
} from "../../scheduler/deploy/errors.js";
import type { PoolStackInput } from "../../scheduler/deploy/types.js";
import { poolWorker } from "../plan/world.js";
import { EXAMPLE_CONFIG } from "../pool/git-fixture.js";

const config = parseConfig(EXAMPLE_CONFIG, "cloudscheduler.yaml");
const quotaStdout = readFileSync(
  new URL("../fixtures/deploy/up-quota.stdout.txt", import.meta.url),
  "utf8",
);
const lockStderr = readFileSync(
  new URL("../fixtures/deploy/lock-held.stderr.txt", import.meta.url),
  "utf8",
);

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "cs-deploy-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function input(workers: PoolStackInput["workers"] = []): PoolStackInput {
  const cloud = config.clouds.alberta;
  if (!cloud) throw new Error("example has no alberta");
  return { cloudName: "alberta", cloud, config, workers };
}

/** One worker: a cloud with no worker and no stack has nothing to deploy (no `up` at all). */
const oneWorker = [poolWorker("cs-alberta-demo-vm-0001")];

const neverRun = () => async () => {
  throw new Error("the program must not run against the stand-in CLI");
};

/** Installs the stand-in CLI as <root>/pulumi-install/bin/pulumi; `failures` maps a subcommand to output. */
function fakePulumi(
  failures: Record<string, { stderr?: string; stdout?: string }>,
  stackExists = false,
): {
  bin: string;
  log: string;
} {
  const bin = join(root, "pulumi-install", "bin");
  mkdirSync(bin, { recursive: true });
  const log = join(root, "calls.log");
  const files = Object.entries(failures).map(([command, out]) => {
    const stderr = join(root, `${command}.stderr`);
    const stdout = join(root, `${command}.stdout`);
    writeFileSync(stderr, out.stderr ?? "");
    writeFileSync(stdout, out.stdout ?? "");
    // Absolute paths: the CLI runs with the deployer's PATH (the stand-in's bin dir) only.
    return `  ${command}) /bin/cat '${stdout}'; /bin/cat '${stderr}' >&2; exit 255 ;;`;
  });
  const script = `#!/bin/sh
echo "$* | backend=$PULUMI_BACKEND_URL passphrase=\${PULUMI_CONFIG_PASSPHRASE:+set} os=\${OS_PASSWORD:+leaked}\${OS_APPLICATION_CREDENTIAL_SECRET:+leaked} admin=\${CLOUDSCHEDULER_ADMIN_TOKEN:+leaked} home=\${PULUMI_HOME:-none}" >> '${log}'
case "$1" in
  version) echo "v3.190.0"; exit 0 ;;
esac
case "$1-$2" in
  stack-history) echo "[]"; exit 0 ;;
  stack-ls) echo '${stackExists ? '[{"name":"pool-alberta","current":false}]' : "[]"}'; exit 0 ;;
  stack-select) ${stackExists ? "exit 0" : `echo "error: no stack named 'pool-alberta' found" >&2; exit 255`} ;;
esac
case "$1" in
${files.join("\n")}
esac
exit 0
`;
  writeFileSync(join(bin, "pulumi"), script);
  chmodSync(join(bin, "pulumi"), 0o755);
  return { bin, log };
}

function deployer(env: NodeJS.ProcessEnv): AutomationDeployer {
  return new AutomationDeployer({
    configDir: join(root, "config"),
    deploy: { secretsProvider: "passphrase" },
    env,
    program: neverRun,
  });
}

describe("AutomationDeployer", () => {
  it("fails fast with PulumiNotInstalledError when no pulumi is on PATH", async () => {
    const emptyBin = join(root, "empty-bin");
    mkdirSync(emptyBin);
    const started = Date.now();
    const error = await deployer({ PATH: emptyBin, PULUMI_CONFIG_PASSPHRASE: "x" })
      .up(input())
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PulumiNotInstalledError);
    expect((error as Error).message).toMatch(/install the Pulumi CLI.*PATH.*PULUMI_HOME/);
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(deployer({ PATH: emptyBin }).instances("alberta")).rejects.toBeInstanceOf(
      PulumiNotInstalledError,
    );
  });

  it("says what to set when the passphrase provider has no passphrase", async () => {
    const { bin } = fakePulumi({});
    const error = await deployer({ PATH: bin })
      .up(input())
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SecretsError);
    expect((error as Error).message).toMatch(/PULUMI_CONFIG_PASSPHRASE_FILE/);
  });

  it("reports an absent stack as no instances, using the file backend beside the config repo", async () => {
    const { bin, log } = fakePulumi({});
    const instances = await deployer({
      PATH: bin,
      PULUMI_CONFIG_PASSPHRASE: "correct-horse",
    }).instances("alberta");
    expect(instances).toEqual([]);
    const calls = readFileSync(log, "utf8");
    // The cloud's shards are the pool stacks the backend lists: none here.
    expect(calls).toContain("stack ls --json");
    expect(calls).toContain(
      `backend=file://${join(root, ".cloudscheduler", "pulumi")} passphrase=set`,
    );
    expect(calls).not.toContain("correct-horse");
  });

  it("runs the CLI with its own variables only: no OpenStack secret, no admin token", async () => {
    const { bin, log } = fakePulumi({});
    await deployer({
      PATH: bin,
      PULUMI_CONFIG_PASSPHRASE: "correct-horse",
      PULUMI_HOME: join(root, "pulumi-home"),
      OS_PASSWORD: "os-password-value",
      OS_APPLICATION_CREDENTIAL_SECRET: "app-credential-value",
      CLOUDSCHEDULER_ADMIN_TOKEN: "admin-token-value",
    }).instances("alberta");
    const calls = readFileSync(log, "utf8").trim().split("\n");
    // Every call (version check aside, made by the SDK before us) saw the allow-list only.
    const select = calls.find((c) => c.startsWith("stack ls"));
    expect(select).toContain(`passphrase=set os= admin= home=${join(root, "pulumi-home")}`);
  });

  it("gives a KMS secrets provider's CLI no passphrase", async () => {
    const { bin, log } = fakePulumi({});
    await new AutomationDeployer({
      configDir: join(root, "config"),
      deploy: { secretsProvider: "awskms://alias/cloudscheduler" },
      env: { PATH: bin, PULUMI_CONFIG_PASSPHRASE: "correct-horse", AWS_REGION: "x" },
      program: neverRun,
    }).instances("alberta");
    const select = readFileSync(log, "utf8")
      .split("\n")
      .find((c) => c.startsWith("stack ls"));
    expect(select).toContain("passphrase= ");
  });

  it("honours CLOUDSCHEDULER_STATE_DIR and the operator's backend URL", async () => {
    const { bin, log } = fakePulumi({});
    const stateDir = join(root, "state");
    await deployer({
      PATH: bin,
      PULUMI_CONFIG_PASSPHRASE: "p",
      CLOUDSCHEDULER_STATE_DIR: stateDir,
    }).instances("alberta");
    expect(readFileSync(log, "utf8")).toContain(`backend=file://${join(stateDir, "pulumi")} `);
    const custom = new AutomationDeployer({
      configDir: join(root, "config"),
      deploy: { secretsProvider: "passphrase", backendUrl: "s3://site-pulumi-state" },
      env: { PATH: bin, PULUMI_CONFIG_PASSPHRASE: "p" },
      program: neverRun,
    });
    await custom.instances("alberta");
    expect(readFileSync(log, "utf8")).toContain("backend=s3://site-pulumi-state ");
  });

  it("maps another process's lock on the stack to LockHeldError", async () => {
    const { bin, log } = fakePulumi({ stack: { stderr: lockStderr } });
    const error = await deployer({ PATH: bin, PULUMI_CONFIG_PASSPHRASE: "p" })
      .up(input(oneWorker))
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LockHeldError);
    expect((error as LockHeldError).cloud).toBe("alberta");
    expect(readFileSync(log, "utf8")).toMatch(
      /stack init pool-alberta --secrets-provider passphrase/,
    );
  });

  it("maps a quota failure of `pulumi up` to QuotaExceededError for the cloud", async () => {
    const { bin, log } = fakePulumi({
      up: { stdout: quotaStdout, stderr: "error: update failed" },
    });
    const error = await deployer({ PATH: bin, PULUMI_CONFIG_PASSPHRASE: "p" })
      .up(input(oneWorker))
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect((error as QuotaExceededError).message).toMatch(
      /^pool-alberta: cloud quota exceeded: .*Quota exceeded for instances/,
    );
    expect(readFileSync(log, "utf8")).toMatch(/^up --yes .*--stack pool-alberta/m);
  });
});

describe("AutomationDeployer.destroy", () => {
  it("destroys an existing stack, then removes it", async () => {
    const { bin, log } = fakePulumi({}, true);
    await deployer({ PATH: bin, PULUMI_CONFIG_PASSPHRASE: "p" }).destroy("alberta");
    const calls = readFileSync(log, "utf8")
      .split("\n")
      .map((line) => line.split(" ").slice(0, 2).join(" "));
    const destroyAt = calls.indexOf("destroy --yes");
    expect(destroyAt).toBeGreaterThan(-1);
    expect(calls.indexOf("stack rm")).toBeGreaterThan(destroyAt);
  });

  it("does nothing for a stack that never existed", async () => {
    const { bin, log } = fakePulumi({});
    await deployer({ PATH: bin, PULUMI_CONFIG_PASSPHRASE: "p" }).destroy("alberta");
    expect(readFileSync(log, "utf8")).not.toMatch(/^destroy/m);
  });
});

describe("stack results", () => {
  it("folds Pulumi's op counts into DeployResult changes", () => {
    expect(countChanges({ create: 2, replace: 1, update: 1, delete: 3, same: 4, read: 9 })).toEqual(
      {
        create: 2,
        update: 2,
        delete: 3,
        same: 4,
      },
    );
    expect(countChanges(undefined)).toEqual({ create: 0, update: 0, delete: 0, same: 0 });
  });

  it("reads the instances output, and calls a malformed one a ProgramError", () => {
    const outputs = {
      instances: {
        value: {
          "cs-alberta-demo-vm-0002": { id: "b2", status: "BUILD" },
          "cs-alberta-demo-vm-0001": { id: "a1", status: "ACTIVE", addresses: ["10.0.0.5"] },
        },
        secret: false,
      },
    };
    expect(parseInstances(outputs, "alberta")).toEqual([
      { name: "cs-alberta-demo-vm-0001", id: "a1", status: "ACTIVE", addresses: ["10.0.0.5"] },
      { name: "cs-alberta-demo-vm-0002", id: "b2", status: "BUILD" },
    ]);
    expect(parseInstances({}, "alberta")).toEqual([]);
    expect(() =>
      parseInstances(
        { instances: { value: { x: { status: "ACTIVE" } }, secret: false } },
        "alberta",
      ),
    ).toThrow(ProgramError);
  });
});

describe("instancesInState", () => {
  it("reads the worker servers a stack's state holds, skipping other resources and failed creates", () => {
    const urn = (type: string, name: string) =>
      `urn:pulumi:pool-alberta::cloudscheduler-pool::${type}::${name}`;
    const state = {
      version: 3,
      deployment: {
        resources: [
          {
            urn: urn("pulumi:pulumi:Stack", "cloudscheduler-pool-pool-alberta"),
            type: "pulumi:pulumi:Stack",
          },
          {
            urn: urn("pulumi:providers:openstack", "alberta"),
            type: "pulumi:providers:openstack",
            id: "p-1",
          },
          {
            urn: urn("openstack:compute/instance:Instance", "cs-b"),
            type: "openstack:compute/instance:Instance",
            id: "id-b",
          },
          {
            urn: urn("openstack:compute/instance:Instance", "cs-a"),
            type: "openstack:compute/instance:Instance",
            id: "id-a",
          },
          {
            urn: urn("openstack:compute/instance:Instance", "cs-c"),
            type: "openstack:compute/instance:Instance",
            id: "",
          },
        ],
      },
    };
    expect(instancesInState(state)).toEqual([
      { name: "cs-a", id: "id-a" },
      { name: "cs-b", id: "id-b" },
    ]);
    expect(instancesInState({})).toEqual([]);
  });
});
