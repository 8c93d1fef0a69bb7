// What a worker's user-data needs beyond the config, and where it comes from: the pool's
// CONDOR_HOST, the worker IDTOKEN and the CVMFS appliance's address. The token is a secret:
// it comes from the environment or a file the environment names (the scheduler appliance
// writes /etc/cloudscheduler/worker.token and points CLOUDSCHEDULER_WORKER_TOKEN_FILE at it),
// never from the committed config.
import type { Config } from "../scheduler/config/schema.js";
import type { CvmfsEndpoint } from "./user-data.js";

export const WORKER_ENV = {
  /** The token itself (for tests and one-off runs). */
  token: "CLOUDSCHEDULER_WORKER_TOKEN",
  /** A file holding the token. */
  tokenFile: "CLOUDSCHEDULER_WORKER_TOKEN_FILE",
  /** CONDOR_HOST for workers when config.condor.worker_condor_host is not set. */
  condorHost: "CLOUDSCHEDULER_WORKER_CONDOR_HOST",
  /** Address of the CVMFS appliance; default its instance name. */
  cvmfsHost: "CLOUDSCHEDULER_CVMFS_HOST",
} as const;

export interface WorkerEnvSources {
  env: Readonly<Record<string, string | undefined>>;
  readFile(path: string): string;
  /** For the CVMFS appliance's default name "<username>-cvmfs". */
  username: string;
}

export interface WorkerEnv {
  condorHost: string;
  /** null: no token configured; workers are rendered without one. */
  idToken: string | null;
  cvmfs: CvmfsEndpoint | null;
}

/** The pool has no CONDOR_HOST for its workers, or the token file cannot be read. */
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
    idToken: workerToken(sources),
    cvmfs:
      cvmfs === undefined
        ? null
        : {
            repository: cvmfs.repository,
            host:
              nonEmpty(sources.env[WORKER_ENV.cvmfsHost]) ??
              cvmfs.name ??
              `${sources.username}-cvmfs`,
          },
  };
}

function workerToken(sources: WorkerEnvSources): string | null {
  const inline = nonEmpty(sources.env[WORKER_ENV.token]);
  if (inline !== undefined) return inline.trim();
  const file = nonEmpty(sources.env[WORKER_ENV.tokenFile]);
  if (file === undefined) return null;
  let text: string;
  try {
    text = sources.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    // The path is named, the content never is.
    throw new WorkerEnvError(`${WORKER_ENV.tokenFile}: cannot read ${file} (${code})`);
  }
  const token = text.trim();
  if (token === "") throw new WorkerEnvError(`${WORKER_ENV.tokenFile}: ${file} is empty`);
  return token;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
