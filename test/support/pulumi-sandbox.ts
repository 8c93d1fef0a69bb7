// A throw-away Pulumi setup for one integration suite or bench run: a file:// backend in a temp
// dir, a passphrase secrets provider, its own PULUMI_HOME; and the cloud-init schema check.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DeploySettings } from "../../scheduler/deploy/workspace-settings.js";

/** A fresh state dir with a file:// backend and a passphrase, for one suite's stacks. */
export interface PulumiSandbox {
  dir: string;
  deploy: DeploySettings;
  /** Environment for AutomationDeployer / LocalWorkspace: the process env plus ours. */
  env: NodeJS.ProcessEnv;
}

export function pulumiSandbox(prefix: string): PulumiSandbox {
  const dir = mkdtempSync(join(tmpdir(), `cs-int-${prefix}-`));
  const backend = join(dir, "pulumi-state");
  mkdirSync(backend);
  return {
    dir,
    deploy: { backendUrl: `file://${backend}`, secretsProvider: "passphrase" },
    env: {
      ...process.env,
      PULUMI_CONFIG_PASSPHRASE: "integration-test-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_HOME: join(dir, "pulumi-home"),
      CLOUDSCHEDULER_STATE_DIR: join(dir, "state"),
    },
  };
}

/** `cloud-init schema` on a user-data document; returns its output, throws on a schema error. */
export function cloudInitSchema(userData: string, dir: string, name: string): string {
  const file = join(dir, `${name}.user-data`);
  writeFileSync(file, userData);
  return execFileSync("cloud-init", ["schema", "--config-file", file], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}
