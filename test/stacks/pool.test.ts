// The worker-pool program under Pulumi's mocks: one instance per worker with stable inputs.
import { beforeAll, expect, test } from "vitest";
import { parse } from "yaml";
import { Secret } from "../../scheduler/config/secret.js";
import type { PoolStackInput } from "../../scheduler/deploy/types.js";
import type { WorkerToken } from "../../scheduler/identity/types.js";
import type { PoolWorker } from "../../scheduler/pool/types.js";
import type { PoolProgramDeps } from "../../stacks/pool.js";
import { exampleConfig, testCredentials, variantConfig } from "./fixtures.js";
import { type Declared, installMocks, isSecretValue, resolved, reveal, settle } from "./mocks.js";

let declared: Declared[];
let pool: typeof import("../../stacks/pool.js");

beforeAll(async () => {
  declared = await installMocks();
  pool = await import("../../stacks/pool.js");
});

function worker(n: number, vmType = "demo-vm"): PoolWorker {
  const type = exampleConfig().vm_types[vmType];
  if (!type) throw new Error(vmType);
  return {
    name: `cs-alberta-${vmType}-${String(n).padStart(4, "0")}`,
    vmType,
    image: type.image,
    flavor: type.flavor,
    cores: type.cores,
    ramMb: type.ram_mb,
    diskGb: type.disk_gb,
    state: "booting",
    createdAt: 1_795_596_400,
    keepAliveSeconds: 600,
  };
}

function input(
  workers: PoolWorker[],
  config = variantConfig((raw) => {
    raw.condor.worker_condor_host = "cm.cloudscheduler.test";
    raw.clouds.alberta.key_pair = "workers";
  }),
): PoolStackInput {
  const cloud = config.clouds.alberta;
  if (!cloud) throw new Error("alberta");
  return { cloudName: "alberta", cloud, config, workers };
}

const TOKEN = "eyJhbGciOiJIUzI1NiJ9.test-token.sig";

/** A minted token of `worker` (its bytes: TOKEN with the worker's number). */
function tokenOf(worker: PoolWorker): WorkerToken {
  return {
    worker: worker.name,
    identity: `${worker.name}@workers.cloudscheduler`,
    tokenId: "0123abcd",
    issuedAt: worker.createdAt,
    expiresAt: worker.createdAt + 8 * 86_400,
    token: new Secret(`${TOKEN}-${worker.name}`),
  };
}

function withTokens(stack: PoolStackInput, workers: PoolWorker[]): PoolStackInput {
  return { ...stack, workerTokens: new Map(workers.map((w) => [w.name, tokenOf(w)])) };
}

function deps(env: Record<string, string> = {}): PoolProgramDeps {
  return {
    env,
    credentials: async (cloudName) => testCredentials(cloudName),
    username: "svc",
  };
}

function userDataOf(resources: Declared[], name: string): string {
  return String(reveal(resources.find((r) => r.name === name)?.inputs.userData));
}

async function run(stack: PoolStackInput, d = deps()) {
  const before = declared.length;
  const outputs = await pool.poolProgramWith(stack, d)();
  await settle();
  return { outputs, resources: declared.slice(before) };
}

test("one instance per worker, with the worker's image, flavor, network, group, key pair and metadata", async () => {
  const workers = [worker(2), worker(1), worker(1, "four-core")];
  const { resources, outputs } = await run(input(workers));
  const instances = resources.filter((r) => r.type === "openstack:compute/instance:Instance");
  expect(instances.map((r) => r.name).sort()).toEqual(workers.map((w) => w.name).sort());
  expect(
    resources.filter((r) => r.type === "pulumi:providers:openstack").map((r) => r.name),
  ).toEqual(["openstack-alberta"]);
  const four = instances.find((r) => r.name === "cs-alberta-four-core-0001");
  expect(four?.inputs).toMatchObject({
    name: "cs-alberta-four-core-0001",
    imageName: "debian-12-condor",
    flavorName: "c4.large",
    networks: [{ name: "cs-workers" }],
    securityGroups: ["cloudscheduler-alberta"],
    keyPair: "workers",
    metadata: { cloudscheduler: "worker", vm_type: "four-core", cloud: "alberta" },
  });
  expect(four?.provider).toContain("openstack-alberta");
  const instancesOut = await resolved(outputs.instances as never);
  expect(Object.keys(instancesOut as object).sort()).toEqual(workers.map((w) => w.name).sort());
  expect(
    (instancesOut as Record<string, { id: string; addresses: string[] }>)[
      "cs-alberta-demo-vm-0001"
    ],
  ).toEqual({
    id: "cs-alberta-demo-vm-0001-id",
    addresses: [expect.stringMatching(/^10\.0\.0\.\d+$/)],
  });
});

test("user-data is a secret carrying the worker's own token, name, type, life end and CONDOR_HOST", async () => {
  const seven = worker(7);
  const { resources } = await run(withTokens(input([seven]), [seven]));
  const instance = resources.find((r) => r.type === "openstack:compute/instance:Instance");
  expect(isSecretValue(instance?.inputs.userData)).toBe(true);
  const text = userDataOf(resources, seven.name);
  expect(text).toContain(JSON.stringify(`${TOKEN}-cs-alberta-demo-vm-0007`));
  expect(text).toContain('CloudSchedulerVM = \\"cs-alberta-demo-vm-0007\\"');
  expect(text).toContain("NETWORK_HOSTNAME = cs-alberta-demo-vm-0007.workers.cloudscheduler");
  expect(text).toContain('VMType = \\"demo-vm\\"');
  expect(text).toContain("CONDOR_HOST = cm.cloudscheduler.test");
  // policy.max_worker_life defaults to 7 days after the worker was planned.
  expect(text).toContain(`CloudSchedulerLifeEnds = ${seven.createdAt + 7 * 86_400}`);
});

test("each new worker gets only its own token; a worker the stack holds gets none", async () => {
  const [one, two] = [worker(1), worker(2)];
  const { resources } = await run(withTokens(input([one, two]), [two]));
  const first = userDataOf(resources, one.name);
  const second = userDataOf(resources, two.name);
  const tokenFile = (text: string) =>
    (parse(text) as { write_files: { path: string }[] }).write_files.find(
      (f) => f.path === "/etc/condor/tokens.d/cloudscheduler-worker",
    );
  expect(tokenFile(first)).toBeUndefined();
  expect(first).not.toContain(TOKEN);
  expect(tokenFile(second)).toMatchObject({ permissions: "0600", owner: "root:root" });
  expect(second).toContain(`${TOKEN}-${two.name}`);
  expect(second).not.toContain(`${TOKEN}-${one.name}`);
});

test("the same worker list gives the same program: identical names and inputs", async () => {
  const workers = [worker(1), worker(2)];
  const first = await run(input(workers));
  const second = await run(input([...workers].reverse()));
  const view = (rs: Declared[]) =>
    rs.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }));
  expect(view(second.resources)).toEqual(view(first.resources));
});

test("an empty pool declares only the provider", async () => {
  const { resources, outputs } = await run(input([]));
  expect(resources.map((r) => r.type)).toEqual(["pulumi:providers:openstack"]);
  expect(await resolved(outputs.instances as never)).toEqual({});
});

test("a missing CONDOR_HOST fails naming the setting", async () => {
  await expect(pool.poolProgramWith(input([worker(1)], exampleConfig()), deps())()).rejects.toThrow(
    /worker_condor_host/,
  );
});

test("CVMFS is set up only with a pinned repository key; its host comes from the appliance's environment", async () => {
  const unpinned = await run(input([worker(1)]), deps({ CLOUDSCHEDULER_CVMFS_HOST: "192.0.2.10" }));
  expect(userDataOf(unpinned.resources, "cs-alberta-demo-vm-0001")).not.toContain("/etc/cvmfs");
  const fingerprint = "ab".repeat(32);
  const config = variantConfig((raw) => {
    raw.condor.worker_condor_host = "cm.cloudscheduler.test";
    raw.appliances.cvmfs.public_key_sha256 = fingerprint;
  });
  const { resources } = await run(
    input([worker(1)], config),
    deps({ CLOUDSCHEDULER_CVMFS_HOST: "192.0.2.10" }),
  );
  const text = userDataOf(resources, "cs-alberta-demo-vm-0001");
  expect(text).toContain("http://192.0.2.10:8000/cvmfs/@fqrn@");
  expect(text).toContain("http://192.0.2.10:3128");
  expect(text).toContain(`cvmfs_key_sha256='${fingerprint}'`);
});

test("poolProgram keeps the fixed signature", () => {
  const program: () => Promise<Record<string, unknown>> = pool.poolProgram(input([]));
  expect(typeof program).toBe("function");
});
