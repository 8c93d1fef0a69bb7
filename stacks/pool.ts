// The worker pool of one cloud (or one shard of it), run by the scheduler through the Automation
// API as an inline program (stack "pool-<cloud>" or "pool-<cloud>_<n>", scheduler/deploy/
// shards.ts): one instance per desired worker of that stack. The program is a
// pure function of its input: the same worker list gives the same resources and inputs (no
// random names, no timestamps), so an unchanged pool is a no-op `pulumi up`.
//
// A server is never replaced or resized in place: the OpenStack provider replaces a server on
// a change of user-data, network, key pair or image, and resizes (reboots) it on a change of
// flavor, which would evict its jobs. Those inputs are ignored once a server exists
// (ignoreChanges); a worker booted with settings that changed since has drifted, and the
// planner drains it when idle and boots a replacement (scheduler/plan/drift.ts).
//
// Each worker's own IDTOKEN comes in the input (input.workerTokens, minted by the scheduler for
// the workers the stack does not hold yet: scheduler/identity/identity-deployer.ts) and goes
// only into that worker's user-data, a Pulumi secret. A worker without one in the input (one
// already created) is rendered without it: its user-data is never re-applied (ignoreChanges
// below), so a token rotation or a worker-life change never replaces a running server.
import { userInfo } from "node:os";
import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import { nodeCredentialSources } from "../scheduler/config/credentials.js";
import type { DeployedInstance, PoolStackInput } from "../scheduler/deploy/types.js";
import { lifeEndsAt } from "../scheduler/plan/expiration.js";
import type { PoolWorker } from "../scheduler/pool/types.js";
import { createRenderer, type Renderer } from "../scheduler/render/render.js";
import { securityGroupName } from "./ports.js";
import {
  type CredentialResolver,
  createProvider,
  createUnauthenticatedProvider,
  credentialResolver,
} from "./providers.js";
import { workerTemplate, workerUserData } from "./user-data.js";
import { resolveWorkerEnv, type WorkerEnv, type WorkerEnvSources } from "./worker-env.js";

export interface PoolProgramDeps {
  /** Worker settings (CLOUDSCHEDULER_WORKER_CONDOR_HOST, CLOUDSCHEDULER_CVMFS_HOST). */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * The cloud's OpenStack credentials (clouds.yaml + secure.yaml, or OS_* for auth_url clouds).
   * Omitted only under Pulumi's mocks (the simulator): the provider is then declared with the
   * entry name alone, which a real engine cannot authenticate with (see providers.ts).
   */
  credentials?: CredentialResolver;
  username: string;
  renderer?: Renderer;
  /** Config repo commit to record in each instance's metadata. */
  configRevision?: string;
}

export function poolProgram(input: PoolStackInput): () => Promise<Record<string, unknown>> {
  return poolProgramWith(input, {
    env: process.env,
    credentials: credentialResolver(nodeCredentialSources(process.env)),
    username: userInfo().username,
  });
}

/** poolProgram with its sources of environment, files and templates passed in. */
export function poolProgramWith(
  input: PoolStackInput,
  deps: PoolProgramDeps,
): () => Promise<Record<string, unknown>> {
  return async () => {
    const sources: WorkerEnvSources = { env: deps.env, username: deps.username };
    const workerEnv = resolveWorkerEnv(input.config, sources);
    const renderer = deps.renderer ?? createRenderer();
    const provider = deps.credentials
      ? createProvider(input.cloudName, await deps.credentials(input.cloudName, input.cloud))
      : createUnauthenticatedProvider(input.cloudName, input.cloud);
    const instances: Record<string, pulumi.Output<Omit<DeployedInstance, "name">>> = {};
    for (const worker of sortedByName(input.workers)) {
      const instance = declareWorker(
        input,
        worker,
        workerEnv,
        renderer,
        provider,
        deps.configRevision,
      );
      instances[worker.name] = pulumi
        .all([instance.id, instance.networks, instance.accessIpV4])
        .apply(([id, networks, accessIpV4]) => ({
          id,
          addresses: addressesOf(networks, accessIpV4),
        }));
    }
    return { instances: pulumi.output(instances) };
  };
}

/** Inputs a change of which would replace (or resize) a running server: fixed at boot. */
export const BOOT_ONLY_INPUTS = [
  "userData",
  "networks",
  "keyPair",
  "imageName",
  "imageId",
  "flavorName",
  "flavorId",
] as const;

function declareWorker(
  input: PoolStackInput,
  worker: PoolWorker,
  workerEnv: WorkerEnv,
  renderer: Renderer,
  provider: openstack.Provider,
  configRevision: string | undefined,
): openstack.compute.Instance {
  const userData = workerUserData(renderer, workerTemplate(input.config, worker.vmType), {
    name: worker.name,
    vmType: worker.vmType,
    cloud: input.cloudName,
    condorHost: workerEnv.condorHost,
    idToken: input.workerTokens?.get(worker.name)?.token.reveal() ?? null,
    lifeEndsAt: lifeEndsAt(worker, input.config.policy),
    cvmfs: workerEnv.cvmfs,
  });
  const metadata: Record<string, string> = {
    cloudscheduler: "worker",
    vm_type: worker.vmType,
    cloud: input.cloudName,
  };
  // Which installation booted it: the orphan sweep only ever deletes its own servers.
  if (input.owner !== undefined) metadata.cloudscheduler_owner = input.owner;
  if (configRevision !== undefined) metadata.config_revision = configRevision;
  return new openstack.compute.Instance(
    worker.name,
    {
      name: worker.name,
      imageName: worker.image,
      flavorName: worker.flavor,
      networks: [{ name: input.cloud.network }],
      securityGroups: [securityGroupName(input.cloudName)],
      ...(input.cloud.key_pair !== undefined ? { keyPair: input.cloud.key_pair } : {}),
      // The user-data carries the worker's IDTOKEN.
      userData: pulumi.secret(userData),
      metadata,
    },
    // Fixed at boot (BOOT_ONLY_INPUTS): a later render (no token for a created worker, a new
    // life end, a new CONDOR_HOST or template) never replaces or resizes a running server.
    { provider, deleteBeforeReplace: false, ignoreChanges: [...BOOT_ONLY_INPUTS] },
  );
}

function addressesOf(
  networks: readonly { fixedIpV4?: string; fixedIpV6?: string }[],
  accessIpV4: string | undefined,
): string[] {
  const found = networks.flatMap((n) => [n.fixedIpV4, n.fixedIpV6]);
  found.push(accessIpV4);
  return [...new Set(found.filter((a): a is string => typeof a === "string" && a !== ""))];
}

function sortedByName(workers: readonly PoolWorker[]): PoolWorker[] {
  return [...workers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
