import { describe, expect, it } from "vitest";
import { ArrivalRecord } from "../../scheduler/run/arrivals.js";
import { idleJob, NOW } from "../plan/world.js";

const known = (vmType: string) => vmType === "demo-vm" || vmType === "big-vm";
const HOUR = 3600;

describe("arrival record", () => {
  it("counts each job once, when first seen, at its submit time; finished jobs stay counted", () => {
    const record = new ArrivalRecord();
    const a = idleJob({ queuedAt: NOW - 100 });
    const b = idleJob({ queuedAt: NOW - 50 });
    record.observe([a, b], NOW, HOUR, known);
    expect(record.size).toBe(2);
    // a finished (gone from the queue), b is still queued and seen again, c is new.
    const c = idleJob({ queuedAt: NOW + 30 });
    record.observe([{ ...b, state: "running" }, c], NOW + 60, HOUR, known);
    expect(record.size).toBe(3);
    expect(record.history(NOW + 60, HOUR).get("demo-vm")).toEqual({
      since: NOW + 60 - HOUR,
      times: [NOW - 100, NOW - 50, NOW + 30],
    });
    // The same queue seen again: nothing new.
    record.observe([b, c], NOW + 120, HOUR, known);
    expect(record.size).toBe(3);
  });

  it("a job seen, missed for a cycle and seen again is not counted twice", () => {
    const record = new ArrivalRecord();
    const a = idleJob({ queuedAt: NOW - 10 });
    record.observe([a], NOW, HOUR, known);
    record.observe([], NOW + 60, HOUR, known);
    record.observe([a], NOW + 120, HOUR, known);
    expect(record.size).toBe(1);
  });

  it("arrivals leave the window at submit time + window; a job still queued is not counted again", () => {
    const record = new ArrivalRecord();
    const old = idleJob({ queuedAt: NOW - 2 * HOUR });
    const a = idleJob({ queuedAt: NOW - 600 });
    record.observe([old, a], NOW, HOUR, known);
    // Submitted before the window: the backlog found at start-up is not an arrival now.
    expect(record.size).toBe(1);
    expect(record.nextExpiry(NOW, HOUR)).toBe(NOW - 600 + HOUR);
    expect(record.history(NOW - 600 + HOUR - 1, HOUR).get("demo-vm")?.times).toEqual([NOW - 600]);
    expect(record.history(NOW - 600 + HOUR, HOUR).get("demo-vm")).toBeUndefined();
    // Still queued after its arrival left the window: expired, and never counted again.
    record.observe([old, a], NOW - 600 + HOUR + 60, HOUR, known);
    expect(record.size).toBe(0);
    record.observe([old, a], NOW - 600 + HOUR + 120, HOUR, known);
    expect(record.size).toBe(0);
    expect(record.nextExpiry(NOW + HOUR, HOUR)).toBeUndefined();
  });

  it("a submit time in the future counts as now; VM types not in the config, or none, are not recorded", () => {
    const record = new ArrivalRecord();
    const future = idleJob({ queuedAt: NOW + 10 * HOUR });
    const stranger = idleJob({ vmType: "x".repeat(200) });
    const { vmType: _, ...untyped } = idleJob();
    record.observe([future, stranger, untyped], NOW, HOUR, known);
    expect(record.size).toBe(1);
    expect(record.nextExpiry(NOW, HOUR)).toBe(NOW + HOUR);
  });

  it("keeps its history per VM type", () => {
    const record = new ArrivalRecord();
    const jobs = [
      ...Array.from({ length: 6 }, (_, i) => idleJob({ queuedAt: NOW - 60 * i })),
      idleJob({ vmType: "big-vm", queuedAt: NOW - 5 }),
    ];
    record.observe(jobs, NOW, HOUR, known);
    const history = record.history(NOW, HOUR);
    expect(history.get("demo-vm")?.times).toHaveLength(6);
    expect(history.get("big-vm")?.times).toEqual([NOW - 5]);
  });

  it("is bounded: past the size bound the oldest go and the history starts at the last one dropped", () => {
    const record = new ArrivalRecord(100);
    // One arrival every 10 s for the last 2000 s: 200, of which the newest 100 are kept.
    const jobs = Array.from({ length: 200 }, (_, i) => idleJob({ queuedAt: NOW - 10 * i }));
    record.observe(jobs, NOW, HOUR, known);
    expect(record.size).toBe(100);
    // The kept arrivals are those after the last one dropped (NOW - 1000): 100 in 1000 s.
    const kept = record.history(NOW, HOUR).get("demo-vm");
    expect(kept?.since).toBe(NOW - 1000);
    expect(kept?.times).toHaveLength(100);
    // Thousands of cycles of fresh arrivals never grow it past the bound.
    for (let k = 1; k <= 50; k++) {
      const fresh = Array.from({ length: 20 }, (_, i) => idleJob({ queuedAt: NOW + 60 * k - i }));
      record.observe(fresh, NOW + 60 * k, HOUR, known);
      expect(record.size).toBeLessThanOrEqual(100);
    }
    // Once the dropped ones are older than the window, the whole window counts again.
    const later = NOW + 50 * 60 + 2 * HOUR;
    record.observe([idleJob({ queuedAt: later })], later, HOUR, known);
    expect(record.size).toBe(1);
    expect(record.history(later, HOUR).get("demo-vm")).toEqual({
      since: later - HOUR,
      times: [later],
    });
  });
});
