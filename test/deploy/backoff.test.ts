import { describe, expect, it } from "vitest";
import { BackoffTracker, backoffDelay } from "../../scheduler/deploy/backoff.js";

describe("backoffDelay", () => {
  it("doubles from 30 s and stops at 30 min", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => backoffDelay(n))).toEqual([
      30, 60, 120, 240, 480, 960, 1800, 1800, 1800,
    ]);
    expect(backoffDelay(0)).toBe(0);
  });
});

describe("BackoffTracker", () => {
  const t0 = 1_750_000_000;

  it("avoids a failing cloud until its back-off ends, longer after each failure", () => {
    const tracker = new BackoffTracker();
    tracker.recordFailure("alberta", t0, { message: "quota", kind: "quota-exceeded" });
    expect(tracker.unavailableClouds(t0 + 29)).toEqual(["alberta"]);
    expect(tracker.isAvailable("alberta", t0 + 30)).toBe(true);
    expect(tracker.isAvailable("victoria", t0)).toBe(true);

    const second = tracker.recordFailure("alberta", t0 + 30, {
      message: "quota",
      kind: "quota-exceeded",
    });
    expect(second).toMatchObject({ failures: 2, until: t0 + 90, lastErrorKind: "quota-exceeded" });
    expect(tracker.unavailableClouds(t0 + 89)).toEqual(["alberta"]);
    expect(tracker.unavailableClouds(t0 + 90)).toEqual([]);
  });

  it("resets on success", () => {
    const tracker = new BackoffTracker();
    for (let i = 0; i < 5; i++) tracker.recordFailure("alberta", t0, { message: "down" });
    tracker.recordSuccess("alberta");
    expect(tracker.recordFailure("alberta", t0, { message: "down" }).until).toBe(t0 + 30);
  });

  it("lists several clouds sorted and reports their state", () => {
    const tracker = new BackoffTracker({ baseSeconds: 10, factor: 3, maxSeconds: 100 });
    tracker.recordFailure("victoria", t0, { message: "x" });
    tracker.recordFailure("alberta", t0, { message: "y" });
    tracker.recordFailure("alberta", t0, { message: "y" });
    expect(tracker.unavailableClouds(t0)).toEqual(["alberta", "victoria"]);
    expect(tracker.unavailableClouds(t0 + 10)).toEqual(["alberta"]);
    expect(tracker.snapshot().map((s) => [s.cloud, s.until])).toEqual([
      ["alberta", t0 + 30],
      ["victoria", t0 + 10],
    ]);
    tracker.forget("alberta");
    expect(tracker.unavailableClouds(t0)).toEqual(["victoria"]);
  });
});
