// The worker-pool program under Pulumi's mocks: one instance per worker with stable inputs.
import { beforeAll, expect, test } from "vitest";
import type { PoolStackInput } from "../../scheduler/deploy/types.js";
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

function deps(
  env: Record<string, string> = { CLOUDSCHEDULER_WORKER_TOKEN: TOKEN },
): PoolProgramDeps {
  return {
    env,
    credentials: async (cloudName) => testCredentials(cloudName),
    readFile: () => {
      throw Object.assign(new Error("no"), { code: "ENOENT" });
    },
    username: "svc",
  };
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

test("user-data is a secret carrying the token, the VM's name and type and CONDOR_HOST", async () => {
  const { resources } = await run(input([worker(7)]));
  const instance = resources.find((r) => r.type === "openstack:compute/instance:Instance");
  expect(isSecretValue(instance?.inputs.userData)).toBe(true);
  const text = String(reveal(instance?.inputs.userData));
  expect(text).toContain(JSON.stringify(TOKEN));
  expect(text).toContain('CloudSchedulerVM = \\"cs-alberta-demo-vm-0007\\"');
  expect(text).toContain('VMType = \\"demo-vm\\"');
  expect(text).toContain("CONDOR_HOST = cm.cloudscheduler.test");
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

test("without a token the worker is rendered without tokens.d; a token file is read", async () => {
  const noToken = await run(input([worker(1)]), deps({}));
  const bare = String(
    reveal(noToken.resources.find((r) => r.name === "cs-alberta-demo-vm-0001")?.inputs.userData),
  );
  expect(bare).not.toContain("tokens.d");
  const fromFile = await run(input([worker(1)]), {
    env: { CLOUDSCHEDULER_WORKER_TOKEN_FILE: "/etc/cloudscheduler/worker.token" },
    credentials: async (cloudName) => testCredentials(cloudName),
    readFile: (path) => (path === "/etc/cloudscheduler/worker.token" ? `${TOKEN}\n` : ""),
    username: "svc",
  });
  const text = String(
    reveal(fromFile.resources.find((r) => r.name === "cs-alberta-demo-vm-0001")?.inputs.userData),
  );
  expect(text).toContain("/etc/condor/tokens.d/cloudscheduler-worker");
  expect(text).toContain(JSON.stringify(TOKEN));
});

test("a missing CONDOR_HOST or unreadable token file fails naming the setting, never a secret", async () => {
  await expect(pool.poolProgramWith(input([worker(1)], exampleConfig()), deps())()).rejects.toThrow(
    /worker_condor_host/,
  );
  const failing = pool.poolProgramWith(input([worker(1)]), {
    env: { CLOUDSCHEDULER_WORKER_TOKEN_FILE: "/nope/token" },
    credentials: async (cloudName) => testCredentials(cloudName),
    readFile: () => {
      throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
    },
    username: "svc",
  });
  await expect(failing()).rejects.toThrow(
    "CLOUDSCHEDULER_WORKER_TOKEN_FILE: cannot read /nope/token (ENOENT)",
  );
});

test("the CVMFS host comes from the environment the scheduler appliance sets", async () => {
  const { resources } = await run(
    input([worker(1)]),
    deps({ CLOUDSCHEDULER_CVMFS_HOST: "192.0.2.10", CLOUDSCHEDULER_WORKER_TOKEN: TOKEN }),
  );
  const text = String(
    reveal(resources.find((r) => r.name === "cs-alberta-demo-vm-0001")?.inputs.userData),
  );
  expect(text).toContain("http://192.0.2.10:8000/cvmfs/@fqrn@");
  expect(text).toContain("http://192.0.2.10:3128");
});

test("poolProgram keeps the fixed signature", () => {
  const program: () => Promise<Record<string, unknown>> = pool.poolProgram(input([]));
  expect(typeof program).toBe("function");
});
