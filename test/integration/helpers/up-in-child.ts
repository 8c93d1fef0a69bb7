// A scheduler process that runs one `up` of pool-alberta and is SIGKILLed by the test in the
// middle of it (test/integration/lifecycle.integration.test.ts). Input as JSON on argv[2].
import { readFileSync } from "node:fs";
import { parseConfig } from "../../../scheduler/config/load.js";
import { AutomationDeployer } from "../../../scheduler/deploy/automation-deployer.js";
import type { DeploySettings } from "../../../scheduler/deploy/workspace-settings.js";
import type { PoolWorker } from "../../../scheduler/pool/types.js";

interface Input {
  configDir: string;
  configFile: string;
  deploy: DeploySettings;
  workers: PoolWorker[];
  owner: string;
}

const input = JSON.parse(process.argv[2] ?? "{}") as Input;
const config = parseConfig(readFileSync(input.configFile, "utf8"), "cloudscheduler.yaml");
const cloud = config.clouds.alberta;
if (!cloud) throw new Error("alberta");
const deployer = new AutomationDeployer({ configDir: input.configDir, deploy: input.deploy });
process.stdout.write("starting\n");
await deployer.up({
  cloudName: "alberta",
  cloud,
  config,
  workers: input.workers,
  owner: input.owner,
});
process.stdout.write("finished\n");
