// Observation 3 (a config or template change replaced busy VMs): with 4 busy workers, a new
// token, CONDOR_HOST, VM type image or worker template changes nothing the engine acts on for
// the existing servers (every input that differs is one the pool program marks ignoreChanges),
// and the planner drains none of them while they run jobs (a changed CONDOR_HOST, image or
// template is drift, seen through the launch digests; a worker's token is its own and never
// drift). Pool program under Pulumi's mocks + the real launch digests + the real planner.
import { beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../scheduler/config/schema.js";
import { Secret } from "../../scheduler/config/secret.js";
import type { PoolStackInput } from "../../scheduler/deploy/types.js";
import { plan } from "../../scheduler/plan/plan.js";
import type { PoolWorker } from "../../scheduler/pool/types.js";
import { createRenderer, type Renderer } from "../../scheduler/render/render.js";
import { buildFleet } from "../../scheduler/state/build.js";
import type { PoolProgramDeps } from "../../stacks/pool.js";
import { NOW, startd } from "../plan/world.js";
import { testCredentials, variantConfig } from "./fixtures.js";
import { type Declared, installMocks, reveal, settle } from "./mocks.js";

let declared: Declared[];
let pool: typeof import("../../stacks/pool.js");
let launch: typeof import("../../stacks/launch-settings.js");

beforeAll(async () => {
  declared = await installMocks();
  pool = await import("../../stacks/pool.js");
  launch = await import("../../stacks/launch-settings.js");
});

const TOKEN = "eyJhbGciOiJIUzI1NiJ9.old-token.sig";

/** Each worker's own IDTOKEN, as the identity deployer mints it (`version` re-mints it). */
function tokens(workers: PoolWorker[], version: string): PoolStackInput["workerTokens"] {
  return new Map(
    workers.map((w) => [
      w.name,
      {
        worker: w.name,
        identity: `${w.name}@workers.cloudscheduler`,
        tokenId: `${version}-${w.name}`,
        issuedAt: w.createdAt,
        expiresAt: w.createdAt + 8 * 86_400,
        token: new Secret(`${TOKEN}-${version}-${w.name}`),
      },
    ]),
  );
}
const baseRenderer = createRenderer();

function config(condorHost = "cm.cloudscheduler.test", image = "cernvm-demo"): Config {
  return variantConfig((raw) => {
    raw.condor.worker_condor_host = condorHost;
    raw.clouds.alberta.key_pair = "workers";
    raw.vm_types["demo-vm"].image = image;
  });
}

/** The worker template as edited by an operator (one more line in setup.sh). */
const editedTemplate: Renderer = {
  names: () => baseRenderer.names(),
  render: (name, data) =>
    name === "worker"
      ? baseRenderer.render(name, data).replace("#cloud-config", "#cloud-config\n# edited")
      : baseRenderer.render(name, data),
};

interface Setting {
  config: Config;
  /** Which mint of the workers' tokens the program is handed. */
  tokenVersion: string;
  renderer: Renderer;
}

const before: Setting = { config: config(), tokenVersion: "first", renderer: baseRenderer };
const changes: Record<string, Setting> = {
  token: { ...before, tokenVersion: "re-minted" },
  CONDOR_HOST: { ...before, config: config("cm2.cloudscheduler.test") },
  image: { ...before, config: config("cm.cloudscheduler.test", "debian-12-condor") },
  template: { ...before, renderer: editedTemplate },
};

function digestsOf(setting: Setting) {
  return launch.launchDigests(setting.config, {
    env: {},
    username: "svc",
    renderer: setting.renderer,
  });
}

/** 4 workers booted under `before`, recording its launch digest. */
function busyPool(): PoolWorker[] {
  const digests = digestsOf(before);
  return [1, 2, 3, 4].map((n) => ({
    name: `cs-alberta-demo-vm-000${n}`,
    vmType: "demo-vm",
    image: "cernvm-demo",
    flavor: "m1.small",
    cores: 2,
    ramMb: 4096,
    diskGb: 20,
    state: "registered",
    createdAt: NOW - 3600,
    keepAliveSeconds: 600,
    launch: digests.of("alberta", "demo-vm", "cernvm-demo", "m1.small") as string,
  }));
}

async function instances(setting: Setting, workers: PoolWorker[]): Promise<Declared[]> {
  const cloud = setting.config.clouds.alberta;
  if (!cloud) throw new Error("alberta");
  const input: PoolStackInput = {
    cloudName: "alberta",
    cloud,
    config: setting.config,
    workers,
    owner: "cs-test",
    workerTokens: tokens(workers, setting.tokenVersion),
  };
  const deps: PoolProgramDeps = {
    env: {},
    credentials: async (name) => testCredentials(name),
    username: "svc",
    renderer: setting.renderer,
  };
  const start = declared.length;
  await pool.poolProgramWith(input, deps)();
  await settle();
  return declared
    .slice(start)
    .filter((r) => r.type === "openstack:compute/instance:Instance")
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

describe("a launch-settings change with 4 busy workers", () => {
  it.each(Object.keys(changes))(
    "%s: the engine is given nothing to replace or update",
    async (what) => {
      const workers = busyPool();
      const old = await instances(before, workers);
      const now = await instances(changes[what] as Setting, workers);
      expect(now.map((r) => r.name)).toEqual(old.map((r) => r.name));
      let differing = 0;
      for (const [i, resource] of now.entries()) {
        const previous = old[i] as Declared;
        for (const key of new Set([
          ...Object.keys(resource.inputs),
          ...Object.keys(previous.inputs),
        ])) {
          const same =
            JSON.stringify(reveal(resource.inputs[key])) ===
            JSON.stringify(reveal(previous.inputs[key]));
          if (same) continue;
          differing++;
          expect(resource.ignoreChanges, `${what}: ${resource.name}.${key}`).toContain(key);
        }
      }
      // The image change lives in the planner (drift), not in a server input; the others change
      // the user-data the engine would otherwise replace the servers for.
      if (what !== "image") expect(differing).toBeGreaterThan(0);
    },
  );

  it.each(Object.keys(changes))("%s: the planner drains and removes 0 busy workers", (what) => {
    const setting = changes[what] as Setting;
    const workers = busyPool();
    const input = {
      config: setting.config,
      jobs: [],
      workers: workers.map((w) => startd(w.name, 2)),
      pools: { alberta: workers },
      now: NOW,
      unavailableClouds: new Set<string>(),
    };
    const result = plan({ ...input, fleet: buildFleet({ ...input, launch: digestsOf(setting) }) });
    expect(result.retire).toEqual([]);
    expect(result.pools.alberta?.map((w) => [w.name, w.state])).toEqual(
      workers.map((w) => [w.name, "registered"]),
    );
    // The drift is seen, and waits for the jobs; a worker's own token is never drift.
    expect(result.decisions.filter((d) => d.kind === "drifted")).toHaveLength(
      what === "token" ? 0 : 4,
    );
  });

  it("the same settings give the same digest, so nothing drifts without a change", () => {
    const digests = digestsOf(before);
    const again = digestsOf({ ...before, config: config() });
    expect(again.of("alberta", "demo-vm", "cernvm-demo", "m1.small")).toBe(
      digests.of("alberta", "demo-vm", "cernvm-demo", "m1.small"),
    );
    for (const [what, setting] of Object.entries(changes)) {
      if (what === "token") continue;
      expect(digestsOf(setting).of("alberta", "demo-vm", "cernvm-demo", "m1.small")).not.toBe(
        digests.of("alberta", "demo-vm", "cernvm-demo", "m1.small"),
      );
    }
  });
});
