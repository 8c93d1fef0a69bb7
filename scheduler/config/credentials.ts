// OpenStack credentials, found the way OpenStack's own clients find them: clouds.yaml
// merged with secure.yaml from the standard search path, or OS_* environment variables.
// Secrets stay wrapped in Secret; errors name the file and entry, never a value.
import { readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import type { CloudConfig } from "./schema.js";
import { Secret } from "./secret.js";

/** Where credentials may come from; tests pass temp dirs and a fake env. */
export interface CredentialSources {
  env: NodeJS.ProcessEnv;
  cwd: string;
  home: string;
  /** The file's text, or undefined when it does not exist or cannot be read. */
  readFile(path: string): Promise<string | undefined>;
  /** The file's permission bits (st_mode & 0o777); undefined: not known (tests, no such file). */
  mode?(path: string): Promise<number | undefined>;
}

export function nodeCredentialSources(env: NodeJS.ProcessEnv = process.env): CredentialSources {
  return {
    env,
    cwd: process.cwd(),
    home: homedir(),
    readFile: async (path) => {
      try {
        return await readFile(path, "utf8");
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // openstacksdk skips files it may not read, and so do we.
        if (code === "ENOENT" || code === "EACCES" || code === "EISDIR") return undefined;
        throw err;
      }
    },
    mode: async (path) => {
      try {
        return (await stat(path)).mode & 0o777;
      } catch {
        return undefined;
      }
    },
  };
}

/** Keys of a clouds.yaml entry's auth block that hold a secret. */
const SECRET_AUTH_KEYS = ["password", "application_credential_secret", "token"];

/**
 * Refuses a credentials file others may read, as ssh refuses a private key: the secrets in it
 * are already exposed, and using it would hide that. Names the file and the fix.
 */
async function assertPrivate(path: string, sources: CredentialSources): Promise<void> {
  const mode = await sources.mode?.(path);
  if (mode === undefined || (mode & 0o077) === 0) return;
  const octal = mode.toString(8).padStart(4, "0");
  throw new CredentialsError(
    `${path} holds credentials but is readable or writable by group or others (mode ${octal}): refusing to use it; run chmod 600 ${path}`,
    path,
  );
}

function holdsSecret(clouds: Record<string, unknown>): boolean {
  return Object.values(clouds).some((entry) => {
    const auth = isRecord(entry) ? entry.auth : undefined;
    return isRecord(auth) && SECRET_AUTH_KEYS.some((key) => auth[key] !== undefined);
  });
}

export type CloudAuth =
  | {
      type: "password";
      username: string;
      password: Secret;
      user_domain_name?: string;
      user_domain_id?: string;
      project_name?: string;
      project_id?: string;
      project_domain_name?: string;
      project_domain_id?: string;
    }
  | {
      type: "application_credential";
      application_credential_id: string;
      application_credential_secret: Secret;
    };

export interface CloudCredentials {
  /** Where these came from, for messages: a clouds.yaml entry and its files, or the environment. */
  source: string;
  auth_url: string;
  region?: string;
  /** Endpoint interface: public (default), internal or admin. */
  interface: string;
  /** false only when the entry says verify: false / insecure: true (or OS_INSECURE). */
  verify: boolean;
  /** CA bundle to verify Keystone and the service endpoints with. */
  cacert?: string;
  auth: CloudAuth;
}

/** Credentials are missing, unreadable or incomplete; the message names file and entry. */
export class CredentialsError extends Error {
  override readonly name = "CredentialsError";
  constructor(
    message: string,
    readonly file?: string,
    readonly entry?: string,
  ) {
    super(message);
  }
}

const SUFFIXES = [".yaml", ".yml", ".json"];

/** The directories openstacksdk searches, in its order (cwd, user config, site config). */
export function searchDirs(sources: CredentialSources): string[] {
  const { env, cwd, home } = sources;
  const userConfig = env.XDG_CONFIG_HOME ? join(env.XDG_CONFIG_HOME, "openstack") : undefined;
  const siteConfigs = (env.XDG_CONFIG_DIRS || "/etc/xdg")
    .split(":")
    .filter(Boolean)
    .map((d) => join(d, "openstack"));
  const dirs = [
    cwd,
    userConfig,
    join(home, ".config", "openstack"),
    ...siteConfigs,
    "/etc/openstack",
  ];
  return [...new Set(dirs.filter((d): d is string => d !== undefined))];
}

/** Candidate files for clouds.yaml or secure.yaml, the override variable's file first. */
export function searchPath(kind: "clouds" | "secure", sources: CredentialSources): string[] {
  const override =
    kind === "clouds" ? sources.env.OS_CLIENT_CONFIG_FILE : sources.env.OS_CLIENT_SECURE_FILE;
  const files = searchDirs(sources).flatMap((dir) =>
    SUFFIXES.map((suffix) => join(dir, `${kind}${suffix}`)),
  );
  return override ? [override, ...files] : files;
}

export interface CloudsFiles {
  /** Every entry under `clouds:`, secure.yaml merged in, keys normalised (- to _). */
  clouds: Record<string, Record<string, unknown>>;
  cloudsFile?: string;
  secureFile?: string;
}

/** Reads the first clouds.yaml and the first secure.yaml found and merges them. */
export async function loadCloudsFiles(sources: CredentialSources): Promise<CloudsFiles> {
  const clouds = await firstFile("clouds", sources);
  const secure = await firstFile("secure", sources);
  return {
    clouds: mergeDeep(clouds?.clouds ?? {}, secure?.clouds ?? {}) as CloudsFiles["clouds"],
    cloudsFile: clouds?.path,
    secureFile: secure?.path,
  };
}

async function firstFile(
  kind: "clouds" | "secure",
  sources: CredentialSources,
): Promise<{ path: string; clouds: Record<string, unknown> } | undefined> {
  for (const path of searchPath(kind, sources)) {
    const text = await sources.readFile(path);
    if (text === undefined) continue;
    let data: unknown;
    try {
      data = path.endsWith(".json") ? JSON.parse(text) : parse(text, { prettyErrors: false });
    } catch (err) {
      // The parser's message has a position but no file content, so no secret leaks.
      const reason = err instanceof Error ? (err.message.split("\n")[0] ?? "") : "";
      throw new CredentialsError(`${path}: cannot parse ${kind} file: ${reason}`, path);
    }
    if (data === null || data === undefined) return { path, clouds: {} };
    if (!isRecord(data)) throw new CredentialsError(`${path}: expected a mapping`, path);
    const cloudsKey = data.clouds ?? {};
    if (!isRecord(cloudsKey))
      throw new CredentialsError(`${path}: 'clouds' must be a mapping of entries`, path);
    // Entry names are kept as written (they are what `cloud:` and OS_CLOUD name); only the keys
    // inside an entry are normalised, as openstacksdk does.
    const clouds: Record<string, unknown> = {};
    for (const [entry, body] of Object.entries(cloudsKey)) {
      clouds[entry] = isRecord(body) ? normaliseKeys(body) : body;
    }
    // secure.yaml exists to hold secrets; a clouds.yaml may hold them too.
    if (kind === "secure" || holdsSecret(clouds)) await assertPrivate(path, sources);
    return { path, clouds };
  }
  return undefined;
}

// Scalars in clouds.yaml may be numbers (project IDs, ports); the SDK reads them as strings.
const text = z.union([z.string(), z.number()]).transform(String);
const flag = z
  .union([z.boolean(), z.string()])
  .transform((v) => (typeof v === "boolean" ? v : v.toLowerCase() === "true"));

const entrySchema = z
  .object({
    auth_type: z.string().optional(),
    auth: z
      .object({
        auth_url: text,
        username: text,
        password: text,
        project_name: text,
        tenant_name: text,
        project_id: text,
        tenant_id: text,
        user_domain_name: text,
        user_domain_id: text,
        project_domain_name: text,
        project_domain_id: text,
        domain_name: text,
        domain_id: text,
        application_credential_id: text,
        application_credential_secret: text,
      })
      .partial()
      .loose()
      .default({}),
    region_name: text.optional(),
    regions: z.array(z.union([text, z.object({ name: text }).loose()])).optional(),
    interface: z.enum(["public", "internal", "admin"]).optional(),
    verify: flag.optional(),
    insecure: flag.optional(),
    cacert: text.optional(),
  })
  .loose();

type Entry = z.output<typeof entrySchema>;

/** Credentials of the clouds.yaml entry `entry` (default: OS_CLOUD). */
export async function credentialsForEntry(
  entry: string | undefined,
  sources: CredentialSources,
  region?: string,
): Promise<CloudCredentials> {
  const name = entry ?? sources.env.OS_CLOUD;
  const files = await loadCloudsFiles(sources);
  const where = describeFiles(files);
  if (!name) {
    throw new CredentialsError(
      `no clouds.yaml entry named: set 'cloud:' in cloudscheduler.yaml or OS_CLOUD (${where})`,
    );
  }
  const raw = files.clouds[name];
  if (!files.cloudsFile && !files.secureFile) {
    throw new CredentialsError(
      `no clouds.yaml found for entry '${name}'; searched ${searchPath("clouds", sources).join(", ")}`,
      undefined,
      name,
    );
  }
  const source = `clouds.yaml entry '${name}' (${where})`;
  if (!raw) {
    const known = Object.keys(files.clouds);
    throw new CredentialsError(
      `${source} does not exist; entries are: ${known.join(", ") || "(none)"}`,
      files.cloudsFile,
      name,
    );
  }
  const parsed = entrySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join(".") ?? "";
    throw new CredentialsError(
      `${source}: ${path}: ${issue?.code === "invalid_value" ? "not one of the allowed values" : "has the wrong type"}`,
      files.cloudsFile,
      name,
    );
  }
  return fromEntry(parsed.data, source, region, files.cloudsFile, name);
}

/** Credentials for a cloud of cloudscheduler.yaml: its clouds.yaml entry, or OS_* for auth_url clouds. */
export async function credentialsForCloud(
  cloudName: string,
  cloud: Pick<CloudConfig, "cloud" | "auth_url" | "region">,
  sources: CredentialSources,
): Promise<CloudCredentials> {
  if (cloud.cloud !== undefined) {
    return credentialsForEntry(cloud.cloud, sources, cloud.region);
  }
  if (cloud.auth_url === undefined) {
    throw new CredentialsError(
      `cloud '${cloudName}' names neither a clouds.yaml entry nor auth_url`,
    );
  }
  return credentialsFromEnv(cloudName, cloud.auth_url, sources.env, cloud.region);
}

/** Builds credentials from OS_* variables, as `openstack` does with a sourced openrc file. */
export function credentialsFromEnv(
  cloudName: string,
  authUrl: string,
  env: NodeJS.ProcessEnv,
  region?: string,
): CloudCredentials {
  const source = `OS_* environment variables for cloud '${cloudName}'`;
  if (env.OS_AUTH_URL && stripSlash(env.OS_AUTH_URL) !== stripSlash(authUrl)) {
    throw new CredentialsError(
      `${source}: OS_AUTH_URL (${env.OS_AUTH_URL}) is not this cloud's auth_url (${authUrl}); the variables belong to another cloud`,
    );
  }
  const entry: Entry = entrySchema.parse({
    auth_type: env.OS_AUTH_TYPE,
    auth: dropUndefined({
      auth_url: authUrl,
      username: env.OS_USERNAME,
      password: env.OS_PASSWORD,
      project_name: env.OS_PROJECT_NAME,
      tenant_name: env.OS_TENANT_NAME,
      project_id: env.OS_PROJECT_ID,
      tenant_id: env.OS_TENANT_ID,
      user_domain_name: env.OS_USER_DOMAIN_NAME,
      user_domain_id: env.OS_USER_DOMAIN_ID,
      project_domain_name: env.OS_PROJECT_DOMAIN_NAME,
      project_domain_id: env.OS_PROJECT_DOMAIN_ID,
      domain_name: env.OS_DOMAIN_NAME,
      domain_id: env.OS_DOMAIN_ID,
      application_credential_id: env.OS_APPLICATION_CREDENTIAL_ID,
      application_credential_secret: env.OS_APPLICATION_CREDENTIAL_SECRET,
    }),
    region_name: env.OS_REGION_NAME,
    interface: env.OS_INTERFACE,
    insecure: env.OS_INSECURE,
    cacert: env.OS_CACERT,
  });
  return fromEntry(entry, source, region, undefined, undefined, "OS_");
}

function fromEntry(
  entry: Entry,
  source: string,
  region: string | undefined,
  file: string | undefined,
  name: string | undefined,
  envPrefix?: string,
): CloudCredentials {
  const a = entry.auth;
  // How a missing key is named to the user: auth.password in a file, OS_PASSWORD in the env.
  const key = (k: string): string => (envPrefix ? `${envPrefix}${k.toUpperCase()}` : `auth.${k}`);
  const missing = (k: string, hint = ""): CredentialsError =>
    new CredentialsError(`${source}: ${key(k)} is missing${hint}`, file, name);
  if (!a.auth_url) throw missing("auth_url");

  const authType = (entry.auth_type ?? "").replace(/^v3/, "");
  let auth: CloudAuth;
  if (
    authType === "applicationcredential" ||
    (authType === "" && a.application_credential_id !== undefined)
  ) {
    if (!a.application_credential_id) throw missing("application_credential_id");
    if (!a.application_credential_secret)
      throw missing("application_credential_secret", secretHint(envPrefix));
    auth = {
      type: "application_credential",
      application_credential_id: a.application_credential_id,
      application_credential_secret: new Secret(a.application_credential_secret),
    };
  } else if (authType === "" || authType === "password") {
    if (!a.username) throw missing("username");
    if (!a.password) throw missing("password", secretHint(envPrefix));
    const projectName = a.project_name ?? a.tenant_name;
    const projectId = a.project_id ?? a.tenant_id;
    if (!projectName && !projectId) throw missing("project_name");
    auth = dropUndefined({
      type: "password" as const,
      username: a.username,
      password: new Secret(a.password),
      user_domain_name: a.user_domain_name ?? (a.user_domain_id ? undefined : a.domain_name),
      user_domain_id: a.user_domain_id ?? (a.user_domain_name ? undefined : a.domain_id),
      project_name: projectName,
      project_id: projectId,
      project_domain_name:
        a.project_domain_name ?? (a.project_domain_id ? undefined : a.domain_name),
      project_domain_id: a.project_domain_id ?? (a.project_domain_name ? undefined : a.domain_id),
    });
  } else {
    throw new CredentialsError(
      `${source}: auth_type '${entry.auth_type}' is not supported; use password or v3applicationcredential`,
      file,
      name,
    );
  }

  const firstRegion = entry.regions?.[0];
  const entryRegion =
    entry.region_name ?? (typeof firstRegion === "object" ? firstRegion.name : firstRegion);
  return dropUndefined({
    source,
    auth_url: a.auth_url,
    region: region ?? entryRegion,
    interface: entry.interface ?? "public",
    verify: entry.verify ?? !(entry.insecure ?? false),
    cacert: entry.cacert,
    auth,
  });
}

function secretHint(envPrefix: string | undefined): string {
  return envPrefix ? "" : " (secrets belong in secure.yaml next to clouds.yaml)";
}

function describeFiles(files: CloudsFiles): string {
  const parts = [files.cloudsFile, files.secureFile].filter(Boolean);
  return parts.length > 0 ? parts.join(" + ") : "no clouds.yaml or secure.yaml found";
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function normaliseKeys(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const key = k.replaceAll("-", "_");
    out[key] = isRecord(v) ? normaliseKeys(v) : v;
  }
  return out;
}

/** Like openstacksdk's merge_clouds: nested mappings merge, anything else is replaced. */
function mergeDeep(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const existing = out[k];
    out[k] = isRecord(v) && isRecord(existing) ? mergeDeep(existing, v) : v;
  }
  return out;
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
