// The data each cloud-init template gets, built from config and resolved outputs, and the
// rendering of it. Every field a template reads is set here (null when absent): the
// renderer is strict, so a missing one is an error, not an empty string.
import { userInfo } from "node:os";
import type {
  Config,
  CvmfsApplianceConfig,
  SchedulerApplianceConfig,
} from "../scheduler/config/schema.js";
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
}

export interface WorkerUserDataInput {
  name: string;
  vmType: string;
  cloud: string;
  condorHost: string;
  /** The worker's IDTOKEN; null renders a worker without one (it cannot join a secured pool). */
  idToken: string | null;
  cvmfs: CvmfsEndpoint | null;
}

export function workerUserData(
  renderer: Renderer,
  template: string,
  input: WorkerUserDataInput,
): string {
  return renderer.render(template, {
    name: input.name,
    vmType: input.vmType,
    cloud: input.cloud,
    condorHost: input.condorHost,
    idToken: input.idToken,
    retirementSeconds: WORKER_RETIREMENT_SECONDS,
    cvmfs: input.cvmfs === null ? null : cvmfsClient(input.cvmfs),
  });
}

/** A CVMFS repository name (as the schema allows): it becomes part of file paths. */
const REPOSITORY = /^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}$/;

function cvmfsClient({ repository, host }: CvmfsEndpoint) {
  hostWord(host);
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
    repositoryConfigPath: `/etc/cvmfs/config.d/${repository}.conf`,
  };
}

/** Where the scheduler appliance installs cloudscheduler itself from (a git URL and ref). */
export interface SoftwareSource {
  repo: string;
  ref: string;
}

export interface SchedulerUserDataInput {
  appliance: SchedulerApplianceConfig;
  software: SoftwareSource | null;
  /** The Pulumi CLI version the appliance installs for the Automation API. */
  pulumiVersion: string;
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
