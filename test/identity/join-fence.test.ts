// The real pool's join fence around a real IdentityDeployer (over a MemoryDeployer) and an
// in-memory revocation list: revoked first, looked up after, kept when unsure.
import { describe, expect, it } from "vitest";
import { MemoryDeployer } from "../../scheduler/deploy/memory-deployer.js";
import { RevocationError } from "../../scheduler/identity/errors.js";
import { IdentityDeployer } from "../../scheduler/identity/identity-deployer.js";
import { joinedNames, RevocationJoinFence } from "../../scheduler/identity/join-fence.js";
import type { Revocation, RevocationList } from "../../scheduler/identity/types.js";
import { workerIdentity } from "../../scheduler/identity/worker-identity.js";
import { recordingLogger } from "../../scheduler/run/logger.js";

const T0 = 1_800_000_000;
const A = "cs-alberta-demo-vm-0001";
const B = "cs-alberta-demo-vm-0002";

class MemoryRevocations implements RevocationList {
  list: Revocation[] = [];
  /** The collector keeps its old list (a write it did not take). */
  ignoreWrites = false;
  failWrites = 0;
  async read(): Promise<Revocation[]> {
    return [...this.list];
  }
  async write(list: readonly Revocation[]): Promise<void> {
    if (this.failWrites > 0) {
      this.failWrites -= 1;
      throw new RevocationError("collector unreachable");
    }
    if (!this.ignoreWrites) this.list = [...list];
  }
}

function setup() {
  const revocations = new MemoryRevocations();
  const identity = new IdentityDeployer(new MemoryDeployer(), {
    issuer: {
      issue: () => Promise.reject(new Error("no token is minted by a fence")),
    },
    revocations,
    now: () => T0,
    log: recordingLogger(),
  });
  const looked: { names: string[]; listThen: Revocation[] }[] = [];
  let joined = new Set<string>();
  const fence = new RevocationJoinFence(identity, revocations, async (names) => {
    looked.push({ names: [...names], listThen: [...revocations.list] });
    return joined;
  });
  return {
    revocations,
    fence,
    looked,
    setJoined: (names: string[]) => {
      joined = new Set(names);
    },
  };
}

describe("RevocationJoinFence", () => {
  it("revokes every worker's tokens up to now, then asks which had joined", async () => {
    const { revocations, fence, looked, setJoined } = setup();
    setJoined([B]);
    const kept = await fence.close([A, B], T0);
    expect([...kept]).toEqual([B]);
    expect(revocations.list).toEqual([
      { identity: workerIdentity(A), issuedUpTo: T0 },
      { identity: workerIdentity(B), issuedUpTo: T0 },
    ]);
    // The lookup came after the list held both: no ad can arrive after it unseen.
    expect(looked).toEqual([{ names: [A, B], listThen: revocations.list }]);
  });

  it("throws, looking nothing up, when the collector did not take the revocation", async () => {
    const { revocations, fence, looked } = setup();
    revocations.ignoreWrites = true;
    await expect(fence.close([A], T0)).rejects.toThrow(/does not hold 1 worker\(s\).*0001/);
    expect(looked).toEqual([]);
  });

  it("throws when the write fails, and the entry is written by a later close", async () => {
    const { revocations, fence } = setup();
    revocations.failWrites = 1;
    await expect(fence.close([A], T0)).rejects.toThrow(/collector unreachable/);
    expect(revocations.list).toEqual([]);
    await fence.close([B], T0);
    expect(revocations.list.map((r) => r.identity)).toEqual([workerIdentity(A), workerIdentity(B)]);
  });

  it("keeps a name that is no worker's (it has no identity to revoke)", async () => {
    const { revocations, fence, looked } = setup();
    const kept = await fence.close(["not a worker", A], T0);
    expect([...kept]).toEqual(["not a worker"]);
    expect(revocations.list.map((r) => r.identity)).toEqual([workerIdentity(A)]);
    expect(looked[0]?.names).toEqual([A]);
  });
});

describe("joinedNames", () => {
  it("finds a worker by CloudSchedulerVM or by the Machine it advertises", () => {
    expect(
      joinedNames(
        [
          { workerName: A, machine: "whatever.example" },
          { machine: `${B}.workers.cloudscheduler` },
          { workerName: "cs-other-0001", machine: "cs-other-0001.workers.cloudscheduler" },
        ],
        [A, B],
      ),
    ).toEqual(new Set([A, B]));
    expect(joinedNames([{ machine: `${A}x.workers.cloudscheduler` }], [A])).toEqual(new Set());
  });
});
