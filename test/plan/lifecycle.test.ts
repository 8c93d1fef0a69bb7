import { describe, expect, it } from "vitest";
import type { CloudServer } from "../../scheduler/cloud/inventory.js";
import { observe } from "../../scheduler/plan/lifecycle.js";
import { exampleConfig, NOW, poolWorker, startd, stateWorker } from "./world.js";

const policy = exampleConfig().policy; // boot_timeout 15m, drain_timeout 1d
const name = "cs-alberta-demo-vm-0001";

describe("observe", () => {
  it("registers a booting worker once condor_status shows it", () => {
    const booting = poolWorker(name, {
      state: "booting",
      createdAt: NOW - 120,
      idleSince: undefined,
    });
    const outcome = observe(stateWorker("alberta", booting, startd(name, 0)), policy, NOW);
    expect(outcome.fate).toBe("keep");
    if (outcome.fate !== "keep") return;
    expect(outcome.worker).toMatchObject({ state: "registered", idleSince: NOW });
    expect(outcome.decisions.map((d) => d.kind)).toEqual(["registered"]);
  });

  it("waits for a booting worker until the boot timeout, then removes it", () => {
    const booting = (age: number) => poolWorker(name, { state: "booting", createdAt: NOW - age });
    expect(observe(stateWorker("alberta", booting(899), undefined), policy, NOW).fate).toBe("keep");
    const late = observe(stateWorker("alberta", booting(900), undefined), policy, NOW);
    expect(late.fate).toBe("remove");
    expect(late.decisions[0]).toMatchObject({
      kind: "never-registered",
      reason: "never registered within 15m; replaced if idle jobs remain",
      seconds: 900,
    });
  });

  it("clears a busy worker's idleSince and keeps an idle one's", () => {
    const worker = poolWorker(name, { idleSince: NOW - 300 });
    const busy = observe(stateWorker("alberta", worker, startd(name, 2)), policy, NOW);
    const idle = observe(stateWorker("alberta", worker, startd(name, 0)), policy, NOW);
    expect(busy.fate === "keep" && "idleSince" in busy.worker).toBe(false);
    expect(idle.fate === "keep" && idle.worker.idleSince).toBe(NOW - 300);
  });

  it("keeps a registered worker missing from condor_status for lost_grace, then removes it", () => {
    // Observation 1: the collector losing ads (a restart) looks exactly like this.
    const first = observe(stateWorker("alberta", poolWorker(name), undefined), policy, NOW);
    expect(first.fate).toBe("keep");
    expect(first.decisions[0]?.kind).toBe("unobserved");
    expect(first.fate === "keep" && first.worker.missingSince).toBe(NOW);
    const missing = poolWorker(name, { missingSince: NOW - policy.lost_grace + 1 });
    expect(observe(stateWorker("alberta", missing, undefined), policy, NOW).fate).toBe("keep");
    const gone = observe(
      stateWorker("alberta", { ...missing, missingSince: NOW - policy.lost_grace }, undefined),
      policy,
      NOW,
    );
    expect(gone.fate).toBe("remove");
    expect(gone.decisions[0]?.kind).toBe("vanished");
    // Seen again: the mark goes.
    const back = observe(stateWorker("alberta", missing, startd(name, 0)), policy, NOW);
    expect(back.fate === "keep" && "missingSince" in back.worker).toBe(false);
  });

  it("removes a worker whose server two listings in a row lacked; one listing only marks it", () => {
    /** The idle worker observed with this listing and a record of its server missing since. */
    const observed = (servers: CloudServer[], serverMissingSince: number) =>
      observe(
        stateWorker("alberta", poolWorker(name), startd(name, 0), { servers, serverMissingSince }),
        policy,
        NOW,
      );
    // The first listing to lack it (the record says since now): kept, and said.
    const first = observed([], NOW);
    expect(first.fate).toBe("keep");
    expect(first.decisions.map((d) => d.kind)).toEqual(["server-unlisted"]);
    // The next listing agrees: removed.
    const second = observed([], NOW - 60);
    expect(second.fate).toBe("remove");
    expect(second.decisions[0]?.kind).toBe("server-gone");
    // A record saying since when is no reason while the server is listed.
    const listed = { id: "s1", name, status: "ACTIVE", metadata: {}, createdAt: NOW - 600 };
    const back = observed([listed], NOW - 60);
    expect(back.fate).toBe("keep");
    expect(back.decisions.map((d) => d.kind)).not.toContain("server-gone");
  });

  it("removes at once a worker whose server the cloud no longer lists when no record is kept, or lists in ERROR", () => {
    const gone = observe(
      stateWorker("alberta", poolWorker(name), undefined, { servers: [] }),
      policy,
      NOW,
    );
    expect(gone.fate).toBe("remove");
    expect(gone.decisions[0]?.kind).toBe("server-gone");
    const server = { id: "s1", name, status: "ERROR", metadata: {}, createdAt: NOW - 60 };
    const failed = observe(
      stateWorker("alberta", poolWorker(name), startd(name, 0), { servers: [server] }),
      policy,
      NOW,
    );
    expect(failed.fate).toBe("remove");
    expect(failed.decisions[0]?.kind).toBe("failed");
    // A booting worker whose server went to ERROR is replaced now, not after boot_timeout.
    const booting = poolWorker(name, { state: "booting", createdAt: NOW - 60 });
    expect(
      observe(stateWorker("alberta", booting, undefined, { servers: [server] }), policy, NOW).fate,
    ).toBe("remove");
    // Whatever the cloud says, a worker running a job stays.
    const busy = observe(
      stateWorker("alberta", poolWorker(name), undefined, { servers: [], queueJobs: 1 }),
      policy,
      NOW,
    );
    expect(busy.fate).toBe("keep");
    const busyInError = observe(
      stateWorker("alberta", poolWorker(name), startd(name, 1), { servers: [server] }),
      policy,
      NOW,
    );
    expect(busyInError.fate).toBe("keep");
  });

  it("records the name HTCondor knows the worker by once it is seen", () => {
    const seen = observe(stateWorker("alberta", poolWorker(name), startd(name, 0)), policy, NOW);
    expect(seen.fate === "keep" && seen.worker.machine).toBe(`${name}.cloud.test`);
  });

  it("keeps a worker condor_status lost while condor_q still shows jobs running on it", () => {
    for (const state of ["registered", "draining", "booting"] as const) {
      const worker = poolWorker(name, { state, createdAt: NOW - 3600 });
      const outcome = observe(
        stateWorker("alberta", worker, undefined, { queueJobs: 2 }),
        policy,
        NOW,
      );
      expect(outcome.fate).toBe("keep");
      expect(outcome.decisions[0]?.kind).toBe("unobserved-busy");
    }
  });

  it("removes a draining worker only once it is empty (drained) or gone", () => {
    const draining = poolWorker(name, { state: "draining", drainStartedAt: NOW - 60 });
    const cases = [
      [startd(name, 1, { draining: true }), "keep"],
      [startd(name, 0, { draining: false }), "keep"], // drain not seen yet / peaceful off pending
      [startd(name, 0, { draining: true }), "remove"],
      [undefined, "remove"],
    ] as const;
    for (const [seen, fate] of cases) {
      expect(observe(stateWorker("alberta", draining, seen), policy, NOW).fate).toBe(fate);
    }
  });

  it("puts a worker back in service when its retire request was lost", () => {
    const draining = poolWorker(name, { state: "draining", drainStartedAt: NOW - 120 });
    const outcome = observe(stateWorker("alberta", draining, startd(name, 0)), policy, NOW);
    if (outcome.fate !== "keep") throw new Error("expected keep");
    expect(outcome.worker.state).toBe("registered");
    expect(outcome.worker.drainStartedAt).toBeUndefined();
    expect(outcome.decisions[0]?.kind).toBe("retire-unconfirmed");
    // condor_off -peaceful shows nothing while jobs run: a busy worker stays draining then.
    const peaceful = { ...policy, retire_with: "peaceful-off" as const };
    const busy = observe(stateWorker("alberta", draining, startd(name, 1)), peaceful, NOW);
    expect(busy.fate === "keep" && busy.worker.state).toBe("draining");
  });

  it("reports a worker stuck draining past drain_timeout and still keeps it", () => {
    const draining = poolWorker(name, { state: "draining", drainStartedAt: NOW - 90_000 });
    const outcome = observe(
      stateWorker("alberta", draining, startd(name, 2, { draining: true })),
      policy,
      NOW,
    );
    expect(outcome.fate).toBe("keep");
    expect(outcome.decisions[0]?.kind).toBe("stuck-draining");
    expect(outcome.decisions[0]?.reason).toMatch(
      /^stuck draining for 1d 1h .* with 2 running jobs; not removed$/,
    );
  });

  it("adopts a drain someone else started, removing the worker once empty", () => {
    const worker = poolWorker(name);
    const busy = observe(
      stateWorker("alberta", worker, startd(name, 1, { draining: true })),
      policy,
      NOW,
    );
    expect(busy.fate === "keep" && busy.worker.state).toBe("draining");
    const empty = observe(
      stateWorker("alberta", worker, startd(name, 0, { draining: true })),
      policy,
      NOW,
    );
    expect(empty.fate).toBe("remove");
  });

  it("removes a failed worker unless it runs jobs", () => {
    const failed = poolWorker(name, { state: "failed" });
    expect(observe(stateWorker("alberta", failed, undefined), policy, NOW).fate).toBe("remove");
    expect(observe(stateWorker("alberta", failed, startd(name, 0)), policy, NOW).fate).toBe(
      "remove",
    );
    const busy = observe(stateWorker("alberta", failed, startd(name, 1)), policy, NOW);
    expect(busy.fate === "keep" && busy.worker.state).toBe("registered");
  });
});
