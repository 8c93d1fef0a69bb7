// What each kind of child process may see of our environment: an allow-list per tool, so a
// password or an OS_* secret reaches only the process that needs it (and most need none: the
// OpenStack provider gets its credentials as explicit, secret provider arguments).

/** Variables every tool may need to run at all: where programs are, locale, temp space. */
const BASE = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR"];

/** Proxies and CA bundles: a site may need them for any outbound HTTPS. */
const NETWORK = [
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
];

export interface EnvAllowList {
  /** Exact variable names passed through. */
  names: readonly string[];
  /** Name prefixes passed through. */
  prefixes: readonly string[];
}

/**
 * HTCondor tools: CONDOR_CONFIG and _CONDOR_* (HTCondor's own configuration overrides), and
 * CONDOR_* for the test stand-ins. No cloud or Pulumi secret.
 */
export const CONDOR_ENV: EnvAllowList = {
  names: [...BASE],
  prefixes: ["_CONDOR_", "CONDOR_"],
};

/**
 * git (simple-git): its config and identity, and an ssh agent for a deploy key. simple-git
 * itself refuses variables that change what git executes (GIT_SSH_COMMAND, GIT_ASKPASS…).
 */
export const GIT_ENV: EnvAllowList = {
  names: [
    ...BASE,
    ...NETWORK,
    "XDG_CONFIG_HOME",
    "SSH_AUTH_SOCK",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_SYSTEM",
    "GIT_CONFIG_NOSYSTEM",
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "EMAIL",
  ],
  prefixes: [],
};

/**
 * The Pulumi CLI and the plugins it starts: its own PULUMI_* settings (the passphrase only when
 * the passphrase provider is used: see pulumiEnv), and the credentials of a cloud KMS secrets
 * provider when one is configured. Never OS_*: the OpenStack provider gets explicit credentials.
 */
export const PULUMI_ENV: EnvAllowList = {
  names: [...BASE, ...NETWORK, "XDG_CONFIG_HOME", "XDG_CACHE_HOME"],
  prefixes: ["PULUMI_"],
};

/** Credentials a secrets provider reads from the environment, by provider URL scheme. */
const SECRETS_PROVIDER_ENV: Record<string, readonly string[]> = {
  "awskms:": ["AWS_"],
  "azurekeyvault:": ["AZURE_"],
  "gcpkms:": ["GOOGLE_", "CLOUDSDK_"],
  "hashivault:": ["VAULT_"],
};

/** Only the variables of `env` that `allow` lets through. */
export function allowedEnv(
  env: NodeJS.ProcessEnv,
  allow: EnvAllowList,
  extraPrefixes: readonly string[] = [],
): Record<string, string> {
  const names = new Set(allow.names);
  const prefixes = [...allow.prefixes, ...extraPrefixes];
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (names.has(key) || prefixes.some((prefix) => key.startsWith(prefix))) out[key] = value;
  }
  return out;
}

/** The environment of an HTCondor tool. */
export function condorEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return allowedEnv(env, CONDOR_ENV);
}

/** The environment of git. */
export function gitEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return allowedEnv(env, GIT_ENV);
}

/**
 * The environment of the Pulumi CLI for `secretsProvider`: the passphrase (or its file) only for
 * the passphrase provider, a KMS's credentials only for that KMS.
 */
export function pulumiEnv(env: NodeJS.ProcessEnv, secretsProvider: string): Record<string, string> {
  const scheme = /^[a-z0-9]+:/.exec(secretsProvider)?.[0];
  const out = allowedEnv(env, PULUMI_ENV, scheme ? (SECRETS_PROVIDER_ENV[scheme] ?? []) : []);
  if (secretsProvider !== "passphrase") {
    delete out.PULUMI_CONFIG_PASSPHRASE;
    delete out.PULUMI_CONFIG_PASSPHRASE_FILE;
  }
  return out;
}
