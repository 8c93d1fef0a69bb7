// The data each cloud-init template gets, built from config and resolved outputs, and the
// rendering of it. Every field a template reads is set here (null when absent): the
// renderer is strict, so a missing one is an error, not an empty string.
import { userInfo } from "node:os";
import type {
  Config,
  CvmfsApplianceConfig,
  SchedulerApplianceConfig,
} from "../scheduler/config/schema.js";
import { WORKER_IDENTITY_DOMAIN } from "../scheduler/identity/worker-identity.js";
import { UnsafeValueError } from "../scheduler/render/errors.js";
import { hostWord } from "../scheduler/render/quote.js";
import type { Renderer } from "../scheduler/render/render.js";

/**
 * How long a draining worker's jobs may run on (HTCondor's MaxJobRetirementTime): the
 * largest value HTCondor takes, so retiring never kills work. The scheduler reports a
 * worker stuck after policy.drain_timeout; it never forces one off.
 */
export const WORKER_RETIREMENT_SECONDS = 2_147_483_647;

/** The CVMFS appliance as the workers see it. */
export interface CvmfsEndpoint {
  repository: string;
  /** Host or address of the CVMFS appliance. */
  host: string;
  /** SHA-256 of the repository key (DER) the workers must find before they trust it. */
  publicKeySha256: string;
  /** The pinned release package for images without CVMFS; null: the image must have it. */
  releasePackage: { url: string; sha256: string } | null;
}

export interface WorkerUserDataInput {
  name: string;
  vmType: string;
  cloud: string;
  condorHost: string;
  /** The worker's IDTOKEN; null renders a worker without one (it cannot join a secured pool). */
  idToken: string | null;
  /** Unix seconds the worker stops taking jobs (scheduler/plan/expiration.ts lifeEndsAt). */
  lifeEndsAt: number;
  cvmfs: CvmfsEndpoint | null;
}

export function workerUserData(
  renderer: Renderer,
  template: string,
  input: WorkerUserDataInput,
): string {
  return renderer.render(template, {
    name: input.name,
    // Checked as a host word by the template's `host` helper, like the name itself.
    machine: `${input.name}.${WORKER_IDENTITY_DOMAIN}`,
    vmType: input.vmType,
    cloud: input.cloud,
    condorHost: input.condorHost,
    idToken: input.idToken,
    lifeEndsAt: wholeSeconds(input.lifeEndsAt),
    retirementSeconds: WORKER_RETIREMENT_SECONDS,
    cvmfs: input.cvmfs === null ? null : cvmfsClient(input.cvmfs),
  });
}

/** A CVMFS repository name (as the schema allows): it becomes part of file paths. */
const REPOSITORY = /^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}$/;

/** A time that goes into HTCondor config bare: a whole, non-negative number only. */
function wholeSeconds(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new UnsafeValueError("worker life end", `not whole unix seconds: ${String(value)}`);
  }
  return value;
}

const SHA256 = /^[0-9a-f]{64}$/;

function sha256Word(value: string): string {
  const hash = value.toLowerCase();
  if (!SHA256.test(hash)) {
    throw new UnsafeValueError("SHA-256", `not 64 hex digits: ${JSON.stringify(value)}`);
  }
  return hash;
}

function cvmfsClient({ repository, host, publicKeySha256, releasePackage }: CvmfsEndpoint) {
  hostWord(host);
  for (const hash of [publicKeySha256, releasePackage?.sha256]) {
    if (hash !== undefined && !SHA256.test(hash)) {
      throw new UnsafeValueError(
        "SHA-256",
        `not 64 lower-case hex digits: ${JSON.stringify(hash)}`,
      );
    }
  }
  if (!REPOSITORY.test(repository)) {
    throw new UnsafeValueError(
      "CVMFS repository",
      `not a repository name: ${JSON.stringify(repository)}`,
    );
  }
  return {
    repository,
    serverUrl: `http://${host}:8000/cvmfs/@fqrn@`,
    proxyUrl: `http://${host}:3128`,
    publicKeyUrl: `http://${host}/cvmfs-keys/${repository}.pub`,
    publicKeyPath: `/etc/cvmfs/keys/${repository}.pub`,
    publicKeySha256,
    releasePackage,
    repositoryConfigPath: `/etc/cvmfs/config.d/${repository}.conf`,
  };
}

/** Where the scheduler appliance installs cloudscheduler itself from (a git URL and ref). */
export interface SoftwareSource {
  repo: string;
  ref: string;
}

/**
 * The scheduler appliance's secrets (Pulumi secrets of the site stack): written root-only on
 * the appliance and handed to the service with systemd's LoadCredential. null: not given.
 */
export interface SchedulerSecrets {
  /** clouds.yaml with the credentials (an application credential) the scheduler uses. */
  cloudsYaml: string | null;
  /** The passphrase of the pool stacks' secrets (PULUMI_CONFIG_PASSPHRASE_FILE). */
  poolPassphrase: string | null;
  /** SSH private key that reads and pushes the config repo. */
  deployKey: string | null;
}

export const NO_SCHEDULER_SECRETS: SchedulerSecrets = {
  cloudsYaml: null,
  poolPassphrase: null,
  deployKey: null,
};

export interface SchedulerUserDataInput {
  appliance: SchedulerApplianceConfig;
  software: SoftwareSource | null;
  /** The Pulumi CLI version the appliance installs for the Automation API. */
  pulumiVersion: string;
  /** SHA-256 of that version's linux-x64 tarball; null: the image must carry the CLI. */
  pulumiSha256: string | null;
  secrets: SchedulerSecrets;
  /** known_hosts line(s) of the config repo's git server; null: trusted on first use. */
  configRepoKnownHosts: string | null;
  /** Address of the CVMFS appliance, handed to the service for the workers' user-data. */
  cvmfsHost: string | null;
  /** Address workers use for CONDOR_HOST (the floating IP); null: found at boot. */
  workerCondorHost: string | null;
}

export function schedulerUserData(renderer: Renderer, input: SchedulerUserDataInput): string {
  return renderer.render("appliances/scheduler", {
    configRepo: input.appliance.config_repo,
    configBranch: input.appliance.config_branch,
    software: input.software,
    pulumiVersion: input.pulumiVersion,
    pulumiSha256: input.pulumiSha256 === null ? null : sha256Word(input.pulumiSha256),
    secrets: input.secrets,
    configRepoKnownHosts: input.configRepoKnownHosts,
    cvmfsHost: input.cvmfsHost,
    workerCondorHost: input.workerCondorHost,
  });
}

export interface CvmfsUserDataInput {
  appliance: CvmfsApplianceConfig;
  workerCidrs: string[];
  /** The floating IP, which Squid must also accept as its own; null when none. */
  publicAddress: string | null;
}

export function cvmfsUserData(renderer: Renderer, input: CvmfsUserDataInput): string {
  return renderer.render("appliances/cvmfs", {
    repository: input.appliance.repository,
    workerCidrs: input.workerCidrs,
    publicAddress: input.publicAddress,
    releasePackage: input.appliance.release_package ?? null,
  });
}

/** The CVMFS appliance's instance name: config, else "<username>-cvmfs" (classic test drive). */
export function cvmfsApplianceName(
  appliance: CvmfsApplianceConfig,
  username = userInfo().username,
): string {
  return appliance.name ?? `${username}-cvmfs`;
}

/** The VM type's template name, for a worker of `vmType`. */
export function workerTemplate(config: Config, vmType: string): string {
  return config.vm_types[vmType]?.template ?? "worker";
}
