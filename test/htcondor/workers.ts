// Test workers rendered by the product itself: the worker user-data template of templates/,
// with the worker's own token minted as the scheduler mints it, turned into a guest (guests.ts). Used by
// the suites that need real execute nodes without going through Nova.
import { chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CondorTokenIssuer } from "../../scheduler/condor/token-issuer.js";
import { workerMachine } from "../../scheduler/identity/worker-identity.js";
import { createRenderer } from "../../scheduler/render/render.js";
import { workerUserData } from "../../stacks/user-data.js";
import { cloudConfigFiles, type GuestSpec, idsOf } from "./guests.js";
import { type CondorPool, POOL_DIR, SUBMIT_USER } from "./pool.js";

/** Seconds a test worker lives: long enough for any test, short of the product's maximum. */
const TEST_WORKER_LIFE = 86_400;

/**
 * The worker's own IDTOKEN, minted as the scheduler mints it (scheduler/condor/token-issuer.ts:
 * identity <name>@workers.cloudscheduler, the cloudscheduler-workers key, a startd's
 * authorizations only) by the pool's own condor_token_create.
 */
export async function mintWorkerToken(pool: CondorPool, worker: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const issuer = new CondorTokenIssuer({ timeoutMs: 20_000, env: pool.env() });
  const minted = await issuer.issue({ worker, expiresAt: now + TEST_WORKER_LIFE }, now);
  return minted.token.reveal();
}

export interface TestWorker {
  /** The pool entry (CloudSchedulerVM). */
  name: string;
  /** The VM's host name; default the pool entry's name (Nova names the host after the server). */
  hostname?: string;
  vmType: string;
  cloud?: string;
  cpus?: number;
  memoryMb?: number;
  /** DEFAULT_DOMAIN_NAME of the VM; null: a bare short host name. Default "novalocal". */
  domain?: string | null;
  updateInterval?: number;
  /** Unix seconds the worker's life ends (its START refuses jobs after); default a day from now. */
  lifeEndsAt?: number;
}

/** The guest a server booted with the product's worker user-data would be. */
export async function workerGuest(pool: CondorPool, worker: TestWorker): Promise<GuestSpec> {
  const token = await mintWorkerToken(pool, worker.name);
  const userData = workerUserData(createRenderer(), "worker", {
    name: worker.name,
    vmType: worker.vmType,
    cloud: worker.cloud ?? "alberta",
    condorHost: pool.condorHost,
    idToken: token,
    lifeEndsAt: worker.lifeEndsAt ?? Math.floor(Date.now() / 1000) + TEST_WORKER_LIFE,
    cvmfs: null,
  });
  return {
    hostname: worker.hostname ?? worker.name,
    machine: workerMachine(worker.name),
    domain: worker.domain === undefined ? "novalocal" : worker.domain,
    cpus: worker.cpus ?? 2,
    memoryMb: worker.memoryMb ?? 2048,
    files: cloudConfigFiles(userData),
    ...(worker.updateInterval ? { updateInterval: worker.updateInterval } : {}),
  };
}

/** A directory the submitter owns, for submit files, logs and outputs. */
export function submitDir(name: string): string {
  const dir = join(POOL_DIR, "jobs", `${name}-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const [uid, gid] = idsOf(SUBMIT_USER).split(".").map(Number) as [number, number];
  chownSync(dir, uid, gid);
  return dir;
}

/** Writes a submit file of `count` sleep jobs that need VM type `vmType`. */
export function sleepJobs(
  dir: string,
  file: string,
  options: { vmType: string; count: number; seconds: number; leaseSeconds?: number },
): string {
  const path = join(dir, file);
  writeFileSync(
    path,
    [
      "Universe   = vanilla",
      "Executable = /bin/sleep",
      `Arguments  = ${options.seconds}`,
      "transfer_executable = false",
      `Log        = ${file}.log`,
      "should_transfer_files   = YES",
      "when_to_transfer_output = ON_EXIT",
      `job_lease_duration = ${options.leaseSeconds ?? 60}`,
      `Requirements = VMType =?= "${options.vmType}"`,
      `+VMType = "${options.vmType}"`,
      `Queue ${options.count}`,
      "",
    ].join("\n"),
  );
  const [uid, gid] = idsOf(SUBMIT_USER).split(".").map(Number) as [number, number];
  chownSync(path, uid, gid);
  return file;
}

export { SUBMIT_USER };
