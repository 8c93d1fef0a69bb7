// The deploy thread: every PoolDeployer call crosses to a worker thread and back with the same
// answers, the same error classes, cancellation and log lines, and the scheduler's own event loop
// stays free while the thread is busy. The thread runs test/support/thread-fixture-deployer.ts.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import { parseConfig } from "../../scheduler/config/load.js";
import { Secret } from "../../scheduler/config/secret.js";
import {
  DeployTimeoutError,
  LockHeldError,
  ProgramError,
  QuotaExceededError,
} from "../../scheduler/deploy/errors.js";
import { ThreadDeployer } from "../../scheduler/deploy/thread-deployer.js";
import type { PoolStackInput } from "../../scheduler/deploy/types.js";
import type { WorkerToken } from "../../scheduler/identity/types.js";
import { poolWorker } from "../support/pool-fixtures.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const config = parseConfig(
  readFileSync(join(root, "examples/site/cloudscheduler.yaml"), "utf8"),
  "cloudscheduler.yaml",
);
const factory = new URL("../support/thread-fixture-deployer.ts", import.meta.url).href;
const flag = join(mkdtempSync(join(tmpdir(), "cs-thread-")), "flag");

const input = (cloudName: string, count = 2): PoolStackInput => ({
  cloudName,
  cloud: config.clouds.alberta ?? (undefined as never),
  config,
  workers: Array.from({ length: count }, (_, i) => poolWorker(config, "alberta", "demo-vm", i + 1)),
});

const logs: string[] = [];
const open: ThreadDeployer[] = [];
const deployer = () => {
  const d = new ThreadDeployer({
    options: {
      configDir: "/nonexistent",
      deploy: { secretsProvider: "passphrase" },
      env: { CS_FIXTURE_MARK: "from-options", CS_FIXTURE_FLAG: flag },
    },
    factory,
    logger: {
      info: (fields, message) => logs.push(`${message} ${JSON.stringify(fields)}`),
      warn: (fields, message) => logs.push(`WARN ${message} ${JSON.stringify(fields)}`),
    },
  });
  open.push(d);
  return d;
};

afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
});

describe("the deploy thread", () => {
  test("answers every call as the deployer in the thread does; its log lines arrive", async () => {
    const d = deployer();
    const result = await d.up(input("alberta"));
    expect(result.changes).toMatchObject({ create: 2, delete: 0 });
    expect(result.instances.map((i) => i.name)).toEqual([
      "cs-alberta-demo-vm-0001",
      "cs-alberta-demo-vm-0002",
    ]);
    expect(await d.instances("alberta")).toEqual(result.instances);
    expect(await d.preview(input("alberta", 1))).toMatchObject({ delete: 1 });
    expect(await d.unfinished()).toEqual([]);
    await d.destroy("alberta");
    expect(await d.instances("alberta")).toEqual([]);
    expect(logs.some((l) => l.includes("up starts") && l.includes('"from-options"'))).toBe(true);
  });

  test("errors come back as the same classes, with their fields; raw errors classified", async () => {
    const d = deployer();
    const locked = await d.up(input("locked")).catch((err: unknown) => err);
    expect(locked).toBeInstanceOf(LockHeldError);
    expect(locked).toMatchObject({
      kind: "lock-held",
      cloud: "locked",
      holders: [{ user: "cs", host: "sched-1", pid: 4242 }],
    });
    expect((locked as Error).message).toMatch(/^pool-locked: the stack is locked/);
    const quota = await d.up(input("raw-quota")).catch((err: unknown) => err);
    expect(quota).toBeInstanceOf(QuotaExceededError);
    expect(quota).toMatchObject({ cloud: "raw-quota" });
    expect((quota as Error).message).toContain("Quota exceeded for instances");
  });

  test("an abort reaches the deploy in the thread", async () => {
    const d = deployer();
    const controller = new AbortController();
    const hung = d.up(input("hang"), controller.signal).catch((err: unknown) => err);
    setTimeout(() => controller.abort(), 50);
    const err = await hung;
    expect(err).toBeInstanceOf(DeployTimeoutError);
    expect(err).toMatchObject({ kind: "timeout", seconds: 5, cloud: "hang" });
  });

  test("a thread that dies fails its calls in flight clearly; the next call gets a new thread", async () => {
    const d = deployer();
    await d.up(input("alberta"));
    const err = await d.up(input("crash")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProgramError);
    expect((err as Error).message).toMatch(
      /pool-crash: .*deploy thread stopped \(it exited with code 3\)/,
    );
    // A new thread: the memory deployer in it starts empty.
    expect(await d.instances("alberta")).toEqual([]);
  });

  test("worker tokens cross as Secrets, not as plain strings", async () => {
    const d = deployer();
    const token: WorkerToken = {
      worker: "cs-alberta-demo-vm-0001",
      identity: "cs-alberta-demo-vm-0001@workers.cloudscheduler",
      tokenId: "jti-1",
      issuedAt: 1,
      expiresAt: 2,
      token: new Secret("eyJhbGciOi.fake.token"),
    };
    const result = await d.up({
      ...input("tokens"),
      workerTokens: new Map([[token.worker, token]]),
    });
    expect(result.instances).toEqual([
      { name: "cs-alberta-demo-vm-0001", id: "secret of 21 chars" },
    ]);
  });

  test("the scheduler's event loop runs while the thread is busy", async () => {
    const d = deployer();
    // The thread spins until this thread's timer writes the flag: on one loop, a deadlock.
    const busy = d.up(input("spin"));
    setTimeout(() => writeFileSync(flag, "ran"), 100);
    await expect(busy).resolves.toMatchObject({ changes: { create: 2 } });
  });
});
