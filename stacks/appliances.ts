// The site's two appliances: the CVMFS server (declared first, since the scheduler hands its
// address on to the workers) and the scheduler (HTCondor central manager + schedd +
// cloudscheduler). Each goes on the cloud its config names.

import * as pulumi from "@pulumi/pulumi";
import type { Config } from "../scheduler/config/schema.js";
import type { Renderer } from "../scheduler/render/render.js";
import { type DeclaredAppliance, declareAppliance, declareFloatingIp } from "./appliance.js";
import {
  cvmfsApplianceName,
  cvmfsUserData,
  type SchedulerSecrets,
  type SoftwareSource,
  schedulerUserData,
} from "./user-data.js";

/**
 * The scheduler appliance's secrets as Pulumi secrets (from the site stack's secret config:
 * stacks/index.ts); each undefined when not configured.
 */
export interface ApplianceSecrets {
  cloudsYaml?: pulumi.Output<string>;
  poolPassphrase?: pulumi.Output<string>;
  deployKey?: pulumi.Output<string>;
}

export interface ApplianceDeps {
  renderer: Renderer;
  providers: ReadonlyMap<string, pulumi.ProviderResource>;
  /** Per cloud, what an appliance there must wait for (its security group). */
  portsOf: (cloudName: string) => pulumi.Resource[];
  software: SoftwareSource | null;
  pulumiVersion: string;
  /** SHA-256 of the Pulumi CLI tarball the appliance may download; null: the image has it. */
  pulumiSha256: string | null;
  secrets: ApplianceSecrets;
  /** known_hosts of the config repo's git server (not secret); null: trust on first use. */
  configRepoKnownHosts: string | null;
  /** For the default CVMFS name "<username>-cvmfs". */
  username: string;
}

export interface ApplianceOutputs {
  name: string;
  cloud: string;
  fixedIp: pulumi.Output<string>;
  floatingIp: pulumi.Output<string> | null;
}

export interface DeclaredAppliances {
  scheduler?: ApplianceOutputs & { condorHost: pulumi.Output<string> };
  cvmfs?: ApplianceOutputs & { repository: string; host: pulumi.Output<string> };
}

/** Thrown when an appliance is on a cloud that is disabled or unknown. */
export class ApplianceCloudError extends Error {
  override readonly name = "ApplianceCloudError";
  constructor(
    readonly appliance: string,
    readonly cloud: string,
  ) {
    super(`appliances.${appliance}.cloud: cloud '${cloud}' is not an enabled cloud`);
  }
}

export function declareAppliances(config: Config, deps: ApplianceDeps): DeclaredAppliances {
  const result: DeclaredAppliances = {};
  const cvmfsConfig = config.appliances.cvmfs;
  if (cvmfsConfig !== undefined) {
    const provider = providerFor(deps, "cvmfs", cvmfsConfig.cloud);
    const fip = cvmfsConfig.floating_ip_pool
      ? declareFloatingIp("cvmfs", cvmfsConfig.cloud, cvmfsConfig.floating_ip_pool, provider)
      : undefined;
    const publicAddress: pulumi.Input<string | null> = fip?.address ?? null;
    const userData = pulumi.output(publicAddress).apply((address) =>
      cvmfsUserData(deps.renderer, {
        appliance: cvmfsConfig,
        workerCidrs: config.ports.worker_cidrs,
        publicAddress: address,
      }),
    );
    const declared = declareAppliance(
      {
        role: "cvmfs",
        cloudName: cvmfsConfig.cloud,
        name: cvmfsApplianceName(cvmfsConfig, deps.username),
        image: cvmfsConfig.image,
        flavor: cvmfsConfig.flavor,
        network: networkOf(config, cvmfsConfig.cloud),
        keyPair: cvmfsConfig.key_pair,
        floatingIpPool: cvmfsConfig.floating_ip_pool,
        userData,
      },
      provider,
      deps.portsOf(cvmfsConfig.cloud),
      fip,
    );
    result.cvmfs = {
      ...outputsOf(declared, cvmfsApplianceName(cvmfsConfig, deps.username), cvmfsConfig.cloud),
      repository: cvmfsConfig.repository,
      host: reachableAddress(declared),
    };
  }

  const schedulerConfig = config.appliances.scheduler;
  if (schedulerConfig !== undefined) {
    const provider = providerFor(deps, "scheduler", schedulerConfig.cloud);
    const fip = schedulerConfig.floating_ip_pool
      ? declareFloatingIp(
          "scheduler",
          schedulerConfig.cloud,
          schedulerConfig.floating_ip_pool,
          provider,
        )
      : undefined;
    const cvmfsHost: pulumi.Input<string | null> = result.cvmfs?.host ?? null;
    const workerCondorHost: pulumi.Input<string | null> =
      config.condor.worker_condor_host ?? fip?.address ?? null;
    const none = pulumi.output<string | null>(null);
    // The secrets stay Pulumi secrets all the way: the rendered user-data is one too.
    const userData = pulumi
      .all([
        cvmfsHost,
        workerCondorHost,
        deps.secrets.cloudsYaml ?? none,
        deps.secrets.poolPassphrase ?? none,
        deps.secrets.deployKey ?? none,
      ])
      .apply(([cvmfs, condorHost, cloudsYaml, poolPassphrase, deployKey]) => {
        const secrets: SchedulerSecrets = { cloudsYaml, poolPassphrase, deployKey };
        return schedulerUserData(deps.renderer, {
          appliance: schedulerConfig,
          software: deps.software,
          pulumiVersion: deps.pulumiVersion,
          pulumiSha256: deps.pulumiSha256,
          secrets,
          configRepoKnownHosts: deps.configRepoKnownHosts,
          cvmfsHost: cvmfs,
          workerCondorHost: condorHost,
        });
      });
    const declared = declareAppliance(
      {
        role: "scheduler",
        cloudName: schedulerConfig.cloud,
        name: schedulerConfig.name,
        image: schedulerConfig.image,
        flavor: schedulerConfig.flavor,
        network: networkOf(config, schedulerConfig.cloud),
        keyPair: schedulerConfig.key_pair,
        floatingIpPool: schedulerConfig.floating_ip_pool,
        userData,
      },
      provider,
      deps.portsOf(schedulerConfig.cloud),
      fip,
    );
    result.scheduler = {
      ...outputsOf(declared, schedulerConfig.name, schedulerConfig.cloud),
      condorHost: config.condor.worker_condor_host
        ? pulumi.output(config.condor.worker_condor_host)
        : reachableAddress(declared),
    };
  }
  return result;
}

function providerFor(
  deps: ApplianceDeps,
  appliance: string,
  cloud: string,
): pulumi.ProviderResource {
  const provider = deps.providers.get(cloud);
  if (provider === undefined) throw new ApplianceCloudError(appliance, cloud);
  return provider;
}

function networkOf(config: Config, cloud: string): string {
  const network = config.clouds[cloud]?.network;
  if (network === undefined) throw new ApplianceCloudError("network", cloud);
  return network;
}

/** Workers on other clouds need the floating IP; without one, the fixed IP is all there is. */
function reachableAddress(declared: DeclaredAppliance): pulumi.Output<string> {
  return declared.floatingAddress ?? declared.fixedIp;
}

function outputsOf(declared: DeclaredAppliance, name: string, cloud: string): ApplianceOutputs {
  return { name, cloud, fixedIp: declared.fixedIp, floatingIp: declared.floatingAddress ?? null };
}
