import { describe, expect, it } from "vitest";
import {
  expiry,
  lifeEndsAt,
  longestTokenLifetime,
  tokenExpiresAt,
} from "../../scheduler/plan/expiration.js";
import { decideRetirement } from "../../scheduler/plan/retire.js";
import { exampleConfig, NOW, poolWorker, startd } from "./world.js";

const config = exampleConfig();
const week = 7 * 86_400;
const name = "cs-alberta-demo-vm-0001";

describe("a worker's life", () => {
  it("ends max_worker_life after it was planned; its token expires drain_timeout later", () => {
    const worker = poolWorker(name, { createdAt: NOW });
    expect(config.policy.max_worker_life).toBe(week);
    expect(lifeEndsAt(worker, config.policy)).toBe(NOW + week);
    expect(tokenExpiresAt(worker, config.policy)).toBe(NOW + week + 86_400);
    expect(longestTokenLifetime(config.policy)).toBe(week + 86_400);
  });

  it("takes the deadline the worker advertises over today's config", () => {
    const worker = poolWorker(name, { createdAt: NOW - 2 * week });
    const seen = startd(name, 0, { lifeEndsAt: NOW + 60 });
    expect(expiry(worker, seen, config.policy, NOW)).toEqual({
      expired: false,
      lifeEndsAt: NOW + 60,
    });
    expect(expiry(worker, undefined, config.policy, NOW)).toEqual({
      expired: true,
      lifeEndsAt: NOW - week,
      busy: false,
    });
  });
});

describe("retiring an expired worker", () => {
  const expired = (running: number, needed = false) => ({
    cloud: "alberta",
    worker: poolWorker(name, { createdAt: NOW - week - 3600, idleSince: NOW - 30 }),
    seen: startd(name, running),
    needed,
    gone: undefined,
  });

  it("retires an idle one at once, within its keep-alive and even when idle jobs would use it", () => {
    for (const needed of [false, true]) {
      const outcome = decideRetirement(expired(0, needed), config, NOW);
      if (outcome.fate !== "keep") throw new Error("expected keep");
      expect(outcome.retire?.method).toBe("drain");
      expect(outcome.worker.state).toBe("draining");
      expect(outcome.decisions).toMatchObject([
        {
          kind: "retire-expired",
          reason: "idle past its life (policy.max_worker_life 7d): retired at once; draining",
        },
      ]);
    }
  });

  it("never drains a busy one: it is kept, said to be expiring, and takes no new job by itself", () => {
    const outcome = decideRetirement(expired(2), config, NOW);
    expect(outcome.fate === "keep" && outcome.retire).toBeUndefined();
    expect(outcome.fate === "keep" && outcome.worker.state).toBe("registered");
    expect(outcome.decisions).toMatchObject([
      {
        kind: "expiring",
        reason: "past its life (ended 1h ago): takes no new job; retired when its 2 jobs finish",
      },
    ]);
  });

  it("leaves a worker within its life to its keep-alive", () => {
    const young = {
      ...expired(0),
      worker: poolWorker(name, { createdAt: NOW - 3600, idleSince: NOW - 30 }),
    };
    const outcome = decideRetirement(young, config, NOW);
    expect(outcome.fate === "keep" && outcome.retire).toBeUndefined();
    expect(outcome.decisions[0]?.kind).toBe("keep-alive");
  });
});
