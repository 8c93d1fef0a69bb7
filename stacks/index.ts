// Entry point of the root Pulumi.yaml program (run by Pulumi's nodejs runtime through
// `node --import tsx`): loads the config repo and declares the site. The config directory
// is Pulumi config `cloudscheduler:configDir`, else $CLOUDSCHEDULER_CONFIG_DIR, else the
// bundled examples/site.
import { userInfo } from "node:os";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { nodeCredentialSources } from "../scheduler/config/credentials.js";
import { loadConfigDir } from "../scheduler/config/load.js";
import { cloudAccess } from "../scheduler/images/cloud-access.js";
import { glanceImageFetcher } from "../scheduler/images/fetcher.js";
import { DEFAULT_CACHE_DIR } from "../scheduler/images/transfer.js";
import { createRenderer } from "../scheduler/render/render.js";
import { credentialResolver, resolveEnabledCredentials } from "./providers.js";
import { siteProgram } from "./site.js";

/** The Pulumi CLI version the scheduler appliance installs (matches @pulumi/pulumi). */
const PULUMI_VERSION = "3.248.0";

const DEFAULT_CONFIG_DIR = fileURLToPath(new URL("../examples/site/", import.meta.url));

// Only a default export: Pulumi's runtime refuses an entry point with both kinds.
export default async function main(): Promise<Record<string, unknown>> {
  const settings = new pulumi.Config("cloudscheduler");
  const configDir =
    settings.get("configDir") ?? process.env.CLOUDSCHEDULER_CONFIG_DIR ?? DEFAULT_CONFIG_DIR;
  const softwareRepo = settings.get("softwareRepo");
  const config = await loadConfigDir(configDir);
  const sources = nodeCredentialSources(process.env);
  const access = cloudAccess(config, sources);
  const credentials = await resolveEnabledCredentials(config, credentialResolver(sources));
  const outputs = siteProgram(config, {
    renderer: createRenderer(),
    credentials,
    // The same streamed, hash-checked transfer as `cloudscheduler image migrate`.
    fetcher: glanceImageFetcher({
      connect: (cloud) => access.connect(cloud),
      cacheDir: settings.get("imageCacheDir") ?? DEFAULT_CACHE_DIR,
    }),
    dryRun: pulumi.runtime.isDryRun(),
    software:
      softwareRepo === undefined
        ? null
        : { repo: softwareRepo, ref: settings.get("softwareRef") ?? "main" },
    pulumiVersion: PULUMI_VERSION,
    pulumiSha256: settings.get("pulumiSha256") ?? null,
    // The scheduler appliance's secrets: `pulumi config set --secret cloudscheduler:<key>`.
    applianceSecrets: {
      ...optionalSecret(settings, "schedulerCloudsYaml", "cloudsYaml"),
      ...optionalSecret(settings, "poolPassphrase", "poolPassphrase"),
      ...optionalSecret(settings, "configRepoDeployKey", "deployKey"),
    },
    configRepoKnownHosts: settings.get("configRepoKnownHosts") ?? null,
    username: userInfo().username,
  });
  return { ...outputs };
}

/** `{ [field]: secret }` when the Pulumi config key is set, else `{}`; never a plain value. */
function optionalSecret<K extends string>(
  settings: pulumi.Config,
  key: string,
  field: K,
): Partial<Record<K, pulumi.Output<string>>> {
  const value = settings.getSecret(key);
  return value === undefined
    ? {}
    : ({ [field]: value } as Partial<Record<K, pulumi.Output<string>>>);
}
