import { describe, expect, it } from "vitest";
import { observe } from "../../scheduler/plan/lifecycle.js";
import { exampleConfig, NOW, poolWorker, startd } from "./world.js";

const policy = exampleConfig().policy; // boot_timeout 15m, drain_timeout 1d
const name = "cs-alberta-demo-vm-0001";

describe("observe", () => {
  it("registers a booting worker once condor_status shows it", () => {
    const booting = poolWorker(name, {
      state: "booting",
      createdAt: NOW - 120,
      idleSince: undefined,
    });
    const outcome = observe("alberta", booting, startd(name, 0), policy, NOW);
    expect(outcome.fate).toBe("keep");
    if (outcome.fate !== "keep") return;
    expect(outcome.worker).toMatchObject({ state: "registered", idleSince: NOW });
    expect(outcome.decisions.map((d) => d.kind)).toEqual(["registered"]);
  });

  it("waits for a booting worker until the boot timeout, then removes it", () => {
    const booting = (age: number) => poolWorker(name, { state: "booting", createdAt: NOW - age });
    expect(observe("alberta", booting(899), undefined, policy, NOW).fate).toBe("keep");
    const late = observe("alberta", booting(900), undefined, policy, NOW);
    expect(late.fate).toBe("remove");
    expect(late.decisions[0]).toMatchObject({
      kind: "never-registered",
      reason: "never registered within 15m; replaced if idle jobs remain",
      seconds: 900,
    });
  });

  it("clears a busy worker's idleSince and keeps an idle one's", () => {
    const worker = poolWorker(name, { idleSince: NOW - 300 });
    const busy = observe("alberta", worker, startd(name, 2), policy, NOW);
    const idle = observe("alberta", worker, startd(name, 0), policy, NOW);
    expect(busy.fate === "keep" && "idleSince" in busy.worker).toBe(false);
    expect(idle.fate === "keep" && idle.worker.idleSince).toBe(NOW - 300);
  });

  it("removes a registered worker that vanished from condor_status", () => {
    const outcome = observe("alberta", poolWorker(name), undefined, policy, NOW);
    expect(outcome.fate).toBe("remove");
    expect(outcome.decisions[0]?.kind).toBe("vanished");
  });

  it("keeps a worker condor_status lost while condor_q still shows jobs running on it", () => {
    for (const state of ["registered", "draining", "booting"] as const) {
      const worker = poolWorker(name, { state, createdAt: NOW - 3600 });
      const outcome = observe("alberta", worker, undefined, policy, NOW, 2);
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
      expect(observe("alberta", draining, seen, policy, NOW).fate).toBe(fate);
    }
  });

  it("puts a worker back in service when its retire request was lost", () => {
    const draining = poolWorker(name, { state: "draining", drainStartedAt: NOW - 120 });
    const outcome = observe("alberta", draining, startd(name, 0), policy, NOW);
    if (outcome.fate !== "keep") throw new Error("expected keep");
    expect(outcome.worker.state).toBe("registered");
    expect(outcome.worker.drainStartedAt).toBeUndefined();
    expect(outcome.decisions[0]?.kind).toBe("retire-unconfirmed");
    // condor_off -peaceful shows nothing while jobs run: a busy worker stays draining then.
    const peaceful = { ...policy, retire_with: "peaceful-off" as const };
    const busy = observe("alberta", draining, startd(name, 1), peaceful, NOW);
    expect(busy.fate === "keep" && busy.worker.state).toBe("draining");
  });

  it("reports a worker stuck draining past drain_timeout and still keeps it", () => {
    const draining = poolWorker(name, { state: "draining", drainStartedAt: NOW - 90_000 });
    const outcome = observe("alberta", draining, startd(name, 2, { draining: true }), policy, NOW);
    expect(outcome.fate).toBe("keep");
    expect(outcome.decisions[0]?.kind).toBe("stuck-draining");
    expect(outcome.decisions[0]?.reason).toMatch(
      /^stuck draining for 1d 1h .* with 2 running jobs; not removed$/,
    );
  });

  it("adopts a drain someone else started, removing the worker once empty", () => {
    const worker = poolWorker(name);
    const busy = observe("alberta", worker, startd(name, 1, { draining: true }), policy, NOW);
    expect(busy.fate === "keep" && busy.worker.state).toBe("draining");
    const empty = observe("alberta", worker, startd(name, 0, { draining: true }), policy, NOW);
    expect(empty.fate).toBe("remove");
  });

  it("removes a failed worker unless it runs jobs", () => {
    const failed = poolWorker(name, { state: "failed" });
    expect(observe("alberta", failed, undefined, policy, NOW).fate).toBe("remove");
    expect(observe("alberta", failed, startd(name, 0), policy, NOW).fate).toBe("remove");
    const busy = observe("alberta", failed, startd(name, 1), policy, NOW);
    expect(busy.fate === "keep" && busy.worker.state).toBe("registered");
  });
});
