import { describe, expect, it } from "vitest";
import { plainProgress, progressLine } from "../../scheduler/images/progress.js";

describe("plain progress", () => {
  it("prints MiB, total and rate at most every interval", () => {
    const lines: string[] = [];
    let now = 1000;
    const task = plainProgress(
      (l) => lines.push(l),
      () => now,
      5000,
    ).start("up", 100 * 1048576);
    now = 3000;
    task.update(10 * 1048576); // too soon: no line
    now = 6000;
    task.update(20 * 1048576);
    task.finish("done");
    expect(lines).toEqual([
      "up: starting (100.0 MiB)",
      "up: 20.0 MiB / 100.0 MiB (4.0 MiB/s)",
      "up: done",
    ]);
    expect(progressLine("x", 0, 0, 0)).toBe("x: 0.0 MiB / 0.0 MiB (0.0 MiB/s)");
  });
});
