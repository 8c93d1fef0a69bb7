// Where pool stacks keep their state and how their secrets are encrypted: the settings every
// pool stack's LocalWorkspace gets.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { OPERATOR_SETTINGS } from "../config/operator-settings.js";
import { SecretsError } from "./errors.js";

/**
 * Where the pool stacks' state goes and what encrypts their secrets: operator-only settings
 * (config/operator-settings.ts), never from the committed config.
 */
export interface DeploySettings {
  /** Pulumi state backend; default: a file backend in the state dir. */
  backendUrl?: string;
  /** Pulumi secrets provider; "passphrase" reads PULUMI_CONFIG_PASSPHRASE(_FILE). */
  secretsProvider: string;
}

export const POOL_PROJECT = "cloudscheduler-pool";

export function poolStackName(cloud: string): string {
  return `pool-${cloud}`;
}

/** $CLOUDSCHEDULER_STATE_DIR, else `.cloudscheduler` beside the config repo (never inside it). */
export function resolveStateDir(configDir: string, env: NodeJS.ProcessEnv): string {
  const fromEnv = env.CLOUDSCHEDULER_STATE_DIR;
  return fromEnv ? resolve(fromEnv) : join(dirname(resolve(configDir)), ".cloudscheduler");
}

/** The operator's backend URL, else a file backend in the state dir. */
export function resolveBackendUrl(deploy: DeploySettings, stateDir: string): string {
  return deploy.backendUrl ?? `file://${join(stateDir, "pulumi")}`;
}

/** The local directory a file:// backend writes to (to create it), or undefined for others. */
export function fileBackendDir(backendUrl: string): string | undefined {
  if (!backendUrl.startsWith("file://")) return undefined;
  const rest = backendUrl.slice("file://".length);
  if (rest.startsWith("~")) return undefined; // the CLI expands it; we leave it alone
  return rest.startsWith("/") ? rest : fileURLToPath(backendUrl);
}

export interface SecretsSettings {
  /** Passed to `pulumi stack init --secrets-provider`. */
  secretsProvider: string;
  /** Environment the CLI needs to reach the secrets. */
  env: Record<string, string>;
  /** Secret values to scrub from anything we quote. */
  secrets: string[];
}

/**
 * The passphrase provider needs PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE; other
 * providers (awskms://, hashivault://, …) bring their own credentials through the environment.
 */
export function resolveSecrets(deploy: DeploySettings, env: NodeJS.ProcessEnv): SecretsSettings {
  const provider = deploy.secretsProvider;
  if (provider !== "passphrase") return { secretsProvider: provider, env: {}, secrets: [] };
  const passphrase = env.PULUMI_CONFIG_PASSPHRASE;
  const file = env.PULUMI_CONFIG_PASSPHRASE_FILE;
  if (passphrase !== undefined && passphrase !== "") {
    return {
      secretsProvider: provider,
      env: { PULUMI_CONFIG_PASSPHRASE: passphrase },
      secrets: [passphrase],
    };
  }
  if (file)
    return { secretsProvider: provider, env: { PULUMI_CONFIG_PASSPHRASE_FILE: file }, secrets: [] };
  throw new SecretsError(
    `the secrets provider (${OPERATOR_SETTINGS.secretsProvider.env}) is "passphrase" but neither PULUMI_CONFIG_PASSPHRASE nor ` +
      "PULUMI_CONFIG_PASSPHRASE_FILE is set; set PULUMI_CONFIG_PASSPHRASE_FILE to a file only the " +
      "scheduler can read (or configure another secrets provider)",
  );
}
