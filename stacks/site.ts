// The admin's site program (`pulumi up` at the repository root): for every enabled cloud a
// provider and the ports security group; the appliances; the image copies. Disabled clouds
// get nothing at all.
import type * as openstack from "@pulumi/openstack";
import type * as pulumi from "@pulumi/pulumi";
import type { CloudCredentials } from "../scheduler/config/credentials.js";
import type { Config } from "../scheduler/config/schema.js";
import type { Renderer } from "../scheduler/render/render.js";
import { type ApplianceSecrets, type DeclaredAppliances, declareAppliances } from "./appliances.js";
import { declareImageCopies, type ImageFetcher } from "./image-copy.js";
import { type DeclaredPorts, declarePorts, securityGroupName } from "./ports.js";
import { createProvider } from "./providers.js";
import type { SoftwareSource } from "./user-data.js";

export interface SiteDeps {
  renderer: Renderer;
  /** Credentials of every enabled cloud (resolveEnabledCredentials in providers.ts). */
  credentials: ReadonlyMap<string, CloudCredentials>;
  fetcher: ImageFetcher;
  /** pulumi.runtime.isDryRun(): during preview nothing is downloaded. */
  dryRun: boolean;
  software: SoftwareSource | null;
  pulumiVersion: string;
  /** SHA-256 of the Pulumi CLI tarball (Pulumi config cloudscheduler:pulumiSha256). */
  pulumiSha256?: string | null;
  /** The scheduler appliance's secrets (Pulumi secret config). */
  applianceSecrets?: ApplianceSecrets;
  configRepoKnownHosts?: string | null;
  username: string;
}

export interface SiteOutputs {
  clouds: string[];
  securityGroups: Record<string, string>;
  scheduler: DeclaredAppliances["scheduler"] | null;
  cvmfs: DeclaredAppliances["cvmfs"] | null;
  /** CONDOR_HOST for workers: the scheduler appliance's reachable address. */
  condorHost: pulumi.Output<string> | null;
  /** Glance id of each copy, keyed "<target cloud>/<image>". */
  images: Record<string, pulumi.Output<string>>;
}

export function siteProgram(config: Config, deps: SiteDeps): SiteOutputs {
  const enabled = Object.entries(config.clouds)
    .filter(([, cloud]) => cloud.enabled)
    .sort(([a], [b]) => a.localeCompare(b));
  const providers = new Map<string, openstack.Provider>();
  const ports = new Map<string, DeclaredPorts>();
  for (const [cloudName] of enabled) {
    const credentials = deps.credentials.get(cloudName);
    if (!credentials)
      throw new Error(`site: no credentials resolved for enabled cloud '${cloudName}'`);
    const provider = createProvider(cloudName, credentials);
    providers.set(cloudName, provider);
    ports.set(cloudName, declarePorts(cloudName, config.ports, provider));
  }

  const appliances = declareAppliances(config, {
    renderer: deps.renderer,
    providers,
    portsOf: (cloudName) => {
      const declared = ports.get(cloudName);
      return declared ? [declared.group, ...declared.rules] : [];
    },
    software: deps.software,
    pulumiVersion: deps.pulumiVersion,
    pulumiSha256: deps.pulumiSha256 ?? null,
    secrets: deps.applianceSecrets ?? {},
    configRepoKnownHosts: deps.configRepoKnownHosts ?? null,
    username: deps.username,
  });

  const images = declareImageCopies(config, {
    providers,
    fetcher: deps.fetcher,
    dryRun: deps.dryRun,
  });
  const imageIds: Record<string, pulumi.Output<string>> = {};
  for (const { plan, image } of images) imageIds[`${plan.to}/${plan.name}`] = image.id;

  return {
    clouds: enabled.map(([name]) => name),
    securityGroups: Object.fromEntries(enabled.map(([name]) => [name, securityGroupName(name)])),
    scheduler: appliances.scheduler ?? null,
    cvmfs: appliances.cvmfs ?? null,
    condorHost: appliances.scheduler?.condorHost ?? null,
    images: imageIds,
  };
}
