import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../scheduler/config/duration.js";

describe("parseDuration", () => {
  it("reads seconds and units", () => {
    expect(parseDuration(600)).toBe(600);
    expect(parseDuration("600")).toBe(600);
    expect(parseDuration("90s")).toBe(90);
    expect(parseDuration("10m")).toBe(600);
    expect(parseDuration("2h")).toBe(7200);
    expect(parseDuration("1d")).toBe(86_400);
  });
  it("rejects anything else", () => {
    for (const bad of [-1, 1.5, "soon", "10 minutes", "1w", ""])
      expect(parseDuration(bad)).toBeUndefined();
  });
  it("formats for messages", () => {
    expect(formatDuration(45)).toBe("45s");
    expect(formatDuration(5400)).toBe("1h 30m");
    expect(formatDuration(90_061)).toBe("1d 1h");
  });
});
