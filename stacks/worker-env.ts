// What a worker's user-data needs beyond the config and its own token, and where it comes
// from: the pool's CONDOR_HOST and the CVMFS appliance's address. Each worker's IDTOKEN is
// minted for it by the scheduler (scheduler/identity/) and handed to the pool program in its
// input; no token is read from the environment or a file, and no token is shared.
import type { Config } from "../scheduler/config/schema.js";
import type { CvmfsEndpoint } from "./user-data.js";

export const WORKER_ENV = {
  /** CONDOR_HOST for workers when config.condor.worker_condor_host is not set. */
  condorHost: "CLOUDSCHEDULER_WORKER_CONDOR_HOST",
  /** Address of the CVMFS appliance; default its instance name. */
  cvmfsHost: "CLOUDSCHEDULER_CVMFS_HOST",
} as const;

export interface WorkerEnvSources {
  env: Readonly<Record<string, string | undefined>>;
  /** For the CVMFS appliance's default name "<username>-cvmfs". */
  username: string;
}

export interface WorkerEnv {
  condorHost: string;
  /**
   * null: no CVMFS appliance, or its key is not pinned (appliances.cvmfs.public_key_sha256):
   * workers never trust a repository key they cannot check, so they do not mount it.
   */
  cvmfs: CvmfsEndpoint | null;
}

/** The pool has no CONDOR_HOST for its workers. */
export class WorkerEnvError extends Error {
  override readonly name = "WorkerEnvError";
}

export function resolveWorkerEnv(config: Config, sources: WorkerEnvSources): WorkerEnv {
  const condorHost =
    config.condor.worker_condor_host ?? nonEmpty(sources.env[WORKER_ENV.condorHost]);
  if (condorHost === undefined) {
    throw new WorkerEnvError(
      `workers need a CONDOR_HOST: set condor.worker_condor_host in cloudscheduler.yaml or ${WORKER_ENV.condorHost}`,
    );
  }
  const cvmfs = config.appliances.cvmfs;
  return {
    condorHost,
    cvmfs:
      cvmfs?.public_key_sha256 === undefined
        ? null
        : {
            repository: cvmfs.repository,
            host:
              nonEmpty(sources.env[WORKER_ENV.cvmfsHost]) ??
              cvmfs.name ??
              `${sources.username}-cvmfs`,
            publicKeySha256: cvmfs.public_key_sha256,
            releasePackage: cvmfs.release_package ?? null,
          },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
