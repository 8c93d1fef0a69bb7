// The IdentityDeployer around a MemoryDeployer: which workers get a token, when a retired
// worker's tokens are revoked, and that nothing secret outlives its use.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../scheduler/config/load.js";
import { Secret } from "../../scheduler/config/secret.js";
import { classifyDeployError } from "../../scheduler/deploy/errors.js";
import { MemoryDeployer } from "../../scheduler/deploy/memory-deployer.js";
import type { PoolStackInput } from "../../scheduler/deploy/types.js";
import { RevocationError, TokenIssueError } from "../../scheduler/identity/errors.js";
import { IdentityDeployer } from "../../scheduler/identity/identity-deployer.js";
import type {
  Revocation,
  RevocationList,
  TokenIssuer,
  TokenRequest,
  WorkerToken,
} from "../../scheduler/identity/types.js";
import { workerIdentity } from "../../scheduler/identity/worker-identity.js";
import type { PoolWorker } from "../../scheduler/pool/types.js";
import { recordingLogger } from "../../scheduler/run/logger.js";
import { knownSecrets } from "../../scheduler/secrets/registry.js";
import { EXAMPLE_CONFIG } from "../pool/git-fixture.js";

const config = parseConfig(EXAMPLE_CONFIG, "cloudscheduler.yaml");
const T0 = 1_800_000_000;

function worker(n: number, createdAt = T0): PoolWorker {
  return {
    name: `cs-alberta-demo-vm-${String(n).padStart(4, "0")}`,
    vmType: "demo-vm",
    image: "cernvm-demo",
    flavor: "m1.small",
    cores: 2,
    ramMb: 4096,
    diskGb: 20,
    state: "booting",
    createdAt,
    keepAliveSeconds: 600,
  };
}

function input(workers: PoolWorker[], cloudName = "alberta"): PoolStackInput {
  const cloud = config.clouds[cloudName];
  if (!cloud) throw new Error(cloudName);
  return { cloudName, cloud, config, workers };
}

/** Mints a distinct token per call, recording every request. */
class FakeIssuer implements TokenIssuer {
  readonly requests: (TokenRequest & { now: number })[] = [];
  failWith: Error | undefined;
  async issue(request: TokenRequest, now: number): Promise<WorkerToken> {
    if (this.failWith) throw this.failWith;
    this.requests.push({ ...request, now });
    const n = this.requests.length;
    return {
      worker: request.worker,
      identity: workerIdentity(request.worker),
      tokenId: `jti-${n}`,
      issuedAt: now,
      expiresAt: request.expiresAt,
      token: new Secret(`eyJhbGciOiJIUzI1NiJ9.token-${n}-of-${request.worker}.signature`),
    };
  }
}

class MemoryRevocations implements RevocationList {
  list: Revocation[] = [];
  writes = 0;
  failNext = 0;
  constructor(private readonly events: string[]) {}
  async read(): Promise<Revocation[]> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new RevocationError("collector unreachable");
    }
    return [...this.list];
  }
  async write(list: readonly Revocation[]): Promise<void> {
    this.events.push(`revoke ${list.map((r) => r.identity.split("@")[0]).join(",")}`);
    this.writes += 1;
    this.list = [...list];
  }
}

/** The inner deployer, recording the tokens it was handed. */
class Recording extends MemoryDeployer {
  readonly handed: Map<string, string>[] = [];
  constructor(private readonly events: string[]) {
    super();
  }
  override async up(stack: PoolStackInput) {
    this.handed.push(
      new Map([...(stack.workerTokens ?? [])].map(([name, t]) => [name, t.token.reveal()])),
    );
    this.events.push(`up ${stack.workers.map((w) => w.name.slice(-4)).join(",")}`);
    return super.up(stack);
  }
}

function setup(now = T0) {
  const events: string[] = [];
  const inner = new Recording(events);
  const issuer = new FakeIssuer();
  const revocations = new MemoryRevocations(events);
  const log = recordingLogger();
  let clock = now;
  const deployer = new IdentityDeployer(inner, {
    issuer,
    revocations,
    now: () => clock,
    log,
  });
  return {
    events,
    inner,
    issuer,
    revocations,
    log,
    deployer,
    tick: (seconds: number) => {
      clock += seconds;
    },
  };
}

describe("IdentityDeployer", () => {
  it("mints a token only for workers the stack does not hold yet, expiring drain_timeout after their life", async () => {
    const { deployer, inner, issuer } = setup();
    await deployer.up(input([worker(1), worker(2)]));
    expect(issuer.requests.map((r) => r.worker)).toEqual([
      "cs-alberta-demo-vm-0001",
      "cs-alberta-demo-vm-0002",
    ]);
    const { max_worker_life, drain_timeout } = config.policy;
    expect(issuer.requests[0]?.expiresAt).toBe(T0 + max_worker_life + drain_timeout);
    expect([...(inner.handed[0]?.keys() ?? [])]).toEqual([
      "cs-alberta-demo-vm-0001",
      "cs-alberta-demo-vm-0002",
    ]);

    // Created: the next up (one more worker) mints for the new one only, hands over no other.
    await deployer.up(input([worker(1), worker(2), worker(3, T0 + 60)]));
    expect(issuer.requests.map((r) => r.worker).slice(2)).toEqual(["cs-alberta-demo-vm-0003"]);
    expect([...(inner.handed[1]?.keys() ?? [])]).toEqual(["cs-alberta-demo-vm-0003"]);
  });

  it("after a restart, asks the stack what it holds and mints only for the rest, once", async () => {
    const first = setup();
    await first.deployer.up(input([worker(1), worker(2)]));
    const issuer = new FakeIssuer();
    const restarted = new IdentityDeployer(first.inner, {
      issuer,
      revocations: first.revocations,
      now: () => T0 + 600,
      log: recordingLogger(),
    });
    await restarted.up(input([worker(1), worker(2), worker(3, T0 + 600)]));
    await restarted.up(input([worker(1), worker(2), worker(3, T0 + 600)]));
    expect(issuer.requests.map((r) => r.worker)).toEqual(["cs-alberta-demo-vm-0003"]);
  });

  it("reuses a token whose up failed instead of minting another, and re-mints nothing it handed over", async () => {
    const { deployer, inner, issuer } = setup();
    inner.failNext("alberta", 1, "cloud-unreachable", ["up"]);
    await expect(deployer.up(input([worker(1)]))).rejects.toThrow(/unreachable/);
    await deployer.up(input([worker(1)]));
    expect(issuer.requests).toHaveLength(1);
    expect(inner.handed[0]?.get("cs-alberta-demo-vm-0001")).toBe(
      inner.handed[1]?.get("cs-alberta-demo-vm-0001"),
    );
  });

  it("revokes a retired worker's tokens before the up that deletes its server", async () => {
    const { deployer, events, revocations, tick } = setup();
    await deployer.up(input([worker(1), worker(2)]));
    tick(3600);
    await deployer.up(input([worker(2)]));
    expect(events).toEqual(["up 0001,0002", "revoke cs-alberta-demo-vm-0001", "up 0002"]);
    expect(revocations.list).toEqual([
      { identity: "cs-alberta-demo-vm-0001@workers.cloudscheduler", issuedUpTo: T0 + 3600 },
    ]);
  });

  it("revokes a token minted for a worker taken back before its server was created", async () => {
    const { deployer, inner, revocations, tick } = setup();
    inner.failNext("alberta", 1, "quota-exceeded", ["up"]);
    await expect(deployer.up(input([worker(1)]))).rejects.toThrow(/quota/);
    tick(60);
    await deployer.up(input([]));
    expect(revocations.list.map((r) => r.identity)).toEqual([
      "cs-alberta-demo-vm-0001@workers.cloudscheduler",
    ]);
  });

  it("never keeps a server alive for a failed revocation: it retries at the next deploy", async () => {
    const { deployer, inner, revocations, log, tick } = setup();
    await deployer.up(input([worker(1), worker(2)]));
    revocations.failNext = 1;
    tick(60);
    await deployer.up(input([worker(2)]));
    expect((await inner.instances("alberta")).map((i) => i.name)).toEqual([
      "cs-alberta-demo-vm-0002",
    ]);
    expect(revocations.list).toEqual([]);
    expect(log.records.find((r) => r.level === "error")?.message).toMatch(
      /could not revoke.*retried/,
    );
    tick(60);
    await deployer.up(input([worker(2)]));
    expect(revocations.list.map((r) => r.identity)).toEqual([
      "cs-alberta-demo-vm-0001@workers.cloudscheduler",
    ]);
  });

  it("revokes every worker of a destroyed stack", async () => {
    const { deployer, revocations } = setup();
    await deployer.up(input([worker(1), worker(2)]));
    await deployer.destroy("alberta");
    expect(revocations.list.map((r) => r.identity.split("@")[0])).toEqual([
      "cs-alberta-demo-vm-0001",
      "cs-alberta-demo-vm-0002",
    ]);
  });

  it("turns a minting failure into the 'identity' deploy error, naming the worker, never a token", async () => {
    const { deployer, issuer } = setup();
    issuer.failWith = new TokenIssueError("cs-alberta-demo-vm-0001", "condor_token_create: exit 1");
    const error = await deployer.up(input([worker(1)])).catch((err: unknown) => err);
    const classified = classifyDeployError(error, "alberta");
    expect(classified.kind).toBe("identity");
    expect(classified.message).toMatch(/cs-alberta-demo-vm-0001.*condor_token_create: exit 1/);
  });

  it("forgets a handed-over token, in memory and in the scrubber", async () => {
    const { deployer, inner } = setup();
    await deployer.up(input([worker(1)]));
    const token = inner.handed[0]?.get("cs-alberta-demo-vm-0001") ?? "";
    expect(token).not.toBe("");
    // Still scrubbed by shape (a JWT), no longer by value.
    expect(knownSecrets.scrub(`x ${token} y`)).toBe("x *** y");
    const before = knownSecrets.size;
    await deployer.up(input([worker(1), worker(2)]));
    expect(knownSecrets.size).toBe(before);
  });

  it("a preview mints nothing", async () => {
    const { deployer, issuer } = setup();
    await deployer.preview(input([worker(1)]));
    expect(issuer.requests).toEqual([]);
  });
});
