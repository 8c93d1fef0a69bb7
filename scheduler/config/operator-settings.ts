// Settings only the scheduler's operator may choose: which programs it runs (the HTCondor
// tools), where its state goes (the Pulumi backend) and what encrypts its secrets (the secrets
// provider). A committer of the config repo must not be able to point the scheduler at an
// executable committed into that repo, so these come from the scheduler's environment or
// command line, never from cloudscheduler.yaml (load.ts rejects them there).
import { isAbsolute } from "node:path";
import { type Document, isMap, isPair, isScalar } from "yaml";

/** One operator-only setting: where it used to be in the config, where it belongs now. */
export interface OperatorSetting {
  /** Key path in cloudscheduler.yaml that is refused. */
  path: readonly [string, string];
  /** Environment variable of the scheduler process. */
  env: string;
  /** Command-line option of `cloudscheduler run` and `plan`. */
  flag: string;
  /** Why a committer may not set it. */
  why: string;
}

export const OPERATOR_SETTINGS = {
  condorBinDir: {
    path: ["condor", "bin_dir"],
    env: "CLOUDSCHEDULER_CONDOR_BIN_DIR",
    flag: "--condor-bin",
    why: "it chooses the programs the scheduler runs",
  },
  backendUrl: {
    path: ["deploy", "backend_url"],
    env: "CLOUDSCHEDULER_BACKEND_URL",
    flag: "--backend-url",
    why: "it chooses where the Pulumi state (with the workers' secrets) is written",
  },
  secretsProvider: {
    path: ["deploy", "secrets_provider"],
    env: "CLOUDSCHEDULER_SECRETS_PROVIDER",
    flag: "--secrets-provider",
    why: "it chooses what encrypts the secrets in the Pulumi state",
  },
} as const satisfies Record<string, OperatorSetting>;

/** The message for an operator-only key found in the committed config. */
export function operatorOnlyAdvice(setting: OperatorSetting): string {
  return `is an operator-only setting (${setting.why}): remove it from the committed config and set ${setting.env} in the scheduler's environment or pass ${setting.flag}`;
}

/** Key paths of operator-only settings present in the document (each with its setting). */
export function findOperatorOnlyKeys(
  doc: Document,
): { path: (string | number)[]; setting: OperatorSetting }[] {
  const found: { path: (string | number)[]; setting: OperatorSetting }[] = [];
  const root = doc.contents;
  if (!isMap(root)) return found;
  for (const setting of Object.values(OPERATOR_SETTINGS)) {
    const [section, key] = setting.path;
    const block = root.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === section);
    if (!block || !isMap(block.value)) continue;
    const hit = block.value.items.some((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
    if (hit) found.push({ path: [section, key], setting });
  }
  return found;
}

/** What the operator chose; every field has a safe default. */
export interface OperatorSettings {
  /** Directories of the HTCondor tools (absolute, joined by ':'); undefined: PATH. */
  condorBinDir?: string;
  /** Pulumi state backend; undefined: a file backend in the state dir. */
  backendUrl?: string;
  /** Pulumi secrets provider; "passphrase" reads PULUMI_CONFIG_PASSPHRASE(_FILE). */
  secretsProvider: string;
  /** Key id that signs worker IDTOKENs (condor_token_create -key); default cloudscheduler-workers. */
  tokenSigningKey?: string;
  /** Directory holding that key, owned by the scheduler's user; default SEC_PASSWORD_DIRECTORY. */
  tokenKeyDirectory?: string;
}

/** Environment variables of the worker-identity settings (no config key ever held them). */
export const IDENTITY_ENV = {
  signingKey: "CLOUDSCHEDULER_TOKEN_SIGNING_KEY",
  keyDirectory: "CLOUDSCHEDULER_TOKEN_KEY_DIR",
} as const;

/** Command-line values; each overrides its environment variable. */
export interface OperatorFlags {
  condorBin?: string;
  backendUrl?: string;
  secretsProvider?: string;
}

/** An operator setting has a value that cannot be used; names the variable or option. */
export class OperatorSettingError extends Error {
  override readonly name = "OperatorSettingError";
}

/** Resolves the operator settings: command line, else environment, else the default. */
export function resolveOperatorSettings(
  env: NodeJS.ProcessEnv,
  flags: OperatorFlags = {},
): OperatorSettings {
  const pick = (setting: OperatorSetting, flag: string | undefined) => {
    if (flag !== undefined) return { value: flag, from: setting.flag };
    const value = env[setting.env];
    return value === undefined || value === "" ? undefined : { value, from: setting.env };
  };
  const settings: OperatorSettings = { secretsProvider: "passphrase" };
  const binDir = pick(OPERATOR_SETTINGS.condorBinDir, flags.condorBin);
  if (binDir !== undefined) {
    // Directories joined by ':' (HTCondor splits its tools over bin/ and sbin/). A relative one
    // would resolve against the working directory: the config repo itself.
    const relative = binDir.value.split(":").find((dir) => !isAbsolute(dir));
    if (relative !== undefined) {
      throw new OperatorSettingError(
        `${binDir.from}: expected absolute directories (joined by ':'), got ${JSON.stringify(relative)}`,
      );
    }
    settings.condorBinDir = binDir.value;
  }
  const backend = pick(OPERATOR_SETTINGS.backendUrl, flags.backendUrl);
  if (backend !== undefined) settings.backendUrl = backend.value;
  const provider = pick(OPERATOR_SETTINGS.secretsProvider, flags.secretsProvider);
  if (provider !== undefined) settings.secretsProvider = provider.value;
  const key = env[IDENTITY_ENV.signingKey];
  if (key !== undefined && key !== "") {
    if (!/^[A-Za-z0-9_.-]+$/.test(key) || key.startsWith(".")) {
      throw new OperatorSettingError(
        `${IDENTITY_ENV.signingKey}: expected a key id (a file name in the key directory), got ${JSON.stringify(key)}`,
      );
    }
    settings.tokenSigningKey = key;
  }
  const keyDir = env[IDENTITY_ENV.keyDirectory];
  if (keyDir !== undefined && keyDir !== "") {
    if (!isAbsolute(keyDir)) {
      throw new OperatorSettingError(
        `${IDENTITY_ENV.keyDirectory}: expected an absolute directory, got ${JSON.stringify(keyDir)}`,
      );
    }
    settings.tokenKeyDirectory = keyDir;
  }
  return settings;
}
