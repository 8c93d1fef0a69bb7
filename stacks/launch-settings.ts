// Today's launch digest of each worker shape: the same inputs the pool program boots a new
// worker with (stacks/pool.ts), reduced to a digest. The user-data is rendered with placeholders
// for what differs per worker (name, its own IDTOKEN, its life end), so the digest follows the
// template, CONDOR_HOST, the CVMFS endpoint and every other value the template reads. Tokens are
// per worker and bounded by max_worker_life (scheduler/identity/): a token is never a reason to
// replace a worker. Image, flavor, network, key pair and security group complete it. A worker
// whose recorded digest differs has drifted (scheduler/plan/drift.ts).
import type { Config } from "../scheduler/config/schema.js";
import { createRenderer, type Renderer } from "../scheduler/render/render.js";
import {
  type LaunchDigests,
  launchDigest,
  memoizedLaunch,
  UNKNOWN_LAUNCH,
} from "../scheduler/state/launch.js";
import { securityGroupName } from "./ports.js";
import { workerTemplate, workerUserData } from "./user-data.js";
import { resolveWorkerEnv, type WorkerEnvSources } from "./worker-env.js";

/** Stand in for what differs per worker in the rendered user-data. */
const NAME_PLACEHOLDER = "cs-launch-digest-worker";
const TOKEN_PLACEHOLDER = "cs-launch-digest-token";
const LIFE_END_PLACEHOLDER = 0;

export interface LaunchSources extends WorkerEnvSources {
  renderer?: Renderer;
}

/**
 * Digests for `config` as the pool program would boot workers now. Unknown (no drift judged)
 * when the worker settings cannot be resolved: the deploy reports that problem itself.
 */
export function launchDigests(config: Config, sources: LaunchSources): LaunchDigests {
  let workerEnv: ReturnType<typeof resolveWorkerEnv>;
  try {
    workerEnv = resolveWorkerEnv(config, sources);
  } catch {
    return UNKNOWN_LAUNCH;
  }
  const renderer = sources.renderer ?? sharedRenderer();
  const userData = new Map<string, string | undefined>();
  const renderedDigest = (cloud: string, vmType: string): string | undefined => {
    const key = `${cloud}|${vmType}`;
    if (userData.has(key)) return userData.get(key);
    let digest: string | undefined;
    try {
      const type = Object.hasOwn(config.vm_types, vmType) ? config.vm_types[vmType] : undefined;
      digest = launchDigest([
        // The VM type's own image and flavor: changing them drifts its workers (like an AMI).
        type?.image ?? null,
        type?.flavor ?? null,
        workerUserData(renderer, workerTemplate(config, vmType), {
          name: NAME_PLACEHOLDER,
          vmType,
          cloud,
          condorHost: workerEnv.condorHost,
          idToken: TOKEN_PLACEHOLDER,
          lifeEndsAt: LIFE_END_PLACEHOLDER,
          cvmfs: workerEnv.cvmfs,
        }),
      ]);
    } catch {
      digest = undefined; // a template that does not render: the deploy says why
    }
    userData.set(key, digest);
    return digest;
  };
  return memoizedLaunch((cloud, vmType, image, flavor) => {
    const cloudConfig = Object.hasOwn(config.clouds, cloud) ? config.clouds[cloud] : undefined;
    const rendered = renderedDigest(cloud, vmType);
    return cloudConfig === undefined || rendered === undefined
      ? undefined
      : launchDigest([
          rendered,
          image,
          flavor,
          cloudConfig.network,
          cloudConfig.key_pair ?? null,
          securityGroupName(cloud),
        ]);
  });
}

let renderer: Renderer | undefined;
function sharedRenderer(): Renderer {
  renderer ??= createRenderer();
  return renderer;
}
