// The simulated site must be a config the real pool program accepts: every sampled program run
// succeeds, and when a deploy does fail the report's failures column says so.
import { expect, test } from "vitest";
import { mockedPoolProgram } from "../../scheduler/sim/pulumi-program.js";
import { failuresText } from "../../scheduler/sim/report.js";
import { simConfig } from "../../scheduler/sim/sim-config.js";
import { simulate } from "../../scheduler/sim/simulate.js";
import type { SimJobSpec } from "../../scheduler/sim/trace-map.js";
import { START } from "./world.js";

function jobs(): SimJobSpec[] {
  return [0, 1, 2, 3].map((n) => ({
    id: String(n),
    submit: START + n * 400,
    runtime: 300,
    cores: n % 2 === 0 ? 1 : 4,
    memoryMb: 1024,
    vmType: n % 2 === 0 ? "c1" : "c4",
    owner: "u1",
  }));
}

test("the bundled trace site runs the real pool program under mocks: every sampled up succeeds", async () => {
  const config = await simConfig();
  const mocked = await mockedPoolProgram(1);
  const r = await simulate({ config, jobs: jobs(), program: mocked.program, seed: 2 });
  expect(mocked.runs()).toBeGreaterThan(0);
  expect(r.metrics.deployOps.failed).toBe(0);
  expect(r.metrics.failures.deploys).toEqual({});
  expect(r.metrics.jobs.finished).toBe(4);
  expect(failuresText(r.metrics)).toBe("0");
});

test("a failing pool program is a failed deploy in the failures column, not a silent back-off", async () => {
  const config = await simConfig();
  const broken = async () => {
    throw new Error("workers need a CONDOR_HOST");
  };
  const r = await simulate({ config, jobs: jobs(), program: broken, seed: 2, graceSeconds: 3600 });
  expect(r.metrics.deployOps.failed).toBeGreaterThan(0);
  expect(failuresText(r.metrics)).toMatch(/\d+ deploy \(program\)/);
  expect(r.metrics.jobs.unfinished).toBe(4);
});
