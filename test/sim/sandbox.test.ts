import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { simpleGit } from "simple-git";
import { expect, test } from "vitest";
import { runSandbox } from "../../scheduler/sim/sandbox.js";
import { START } from "./world.js";

test("the sandbox runs the daemon to the end: workers boot on both clouds, jobs run, every worker retires", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "sandbox-test-"));
  const screens: string[] = [];
  const result = await runSandbox({
    speed: Number.POSITIVE_INFINITY,
    start: START,
    dir,
    maxCycles: 80,
    show: (s) => screens.push(s),
  });
  expect(result.finished).toBe(true);
  expect(result.jobsDone).toBe(result.totalJobs);
  expect(result.cycles).toBeLessThan(80);
  expect(result.cloudsUsed).toEqual(["alberta", "victoria"]);
  expect(result.jobsEvicted).toBe(0);
  expect(result.drains).toBeGreaterThan(0);
  expect(screens.some((s) => /registered/.test(s) && /running \d job/.test(s))).toBe(true);
  expect(screens.at(-1)).toMatch(/10\/10 done/);
  // The pool history is in git: boots first, retirements later.
  const log = await simpleGit({ baseDir: dir }).raw(["log", "--format=%B", "--", "pool/"]);
  expect(log).toMatch(/alberta: \+\d demo-vm/);
  expect(log).toMatch(/victoria: \+\d/);
  expect(log).toMatch(/-\d (demo-vm|four-core) (idle|drained)/);
}, 60_000);
