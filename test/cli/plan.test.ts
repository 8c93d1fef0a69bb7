// `cloudscheduler plan` on the bundled example config and the real HTCondor 25 answers:
// the dry cycle prints what it would boot and why, and changes nothing.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../../scheduler/cli/main.js";
import { memoryOutput } from "../../scheduler/cli/output.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const env = {
  ...process.env,
  CONDOR_STANDIN_Q: `${root}test/fixtures/condor/condor_q.all.json`,
  CONDOR_STANDIN_STATUS: `${root}test/fixtures/condor/condor_q.empty.json`,
};
const args = [
  "plan",
  `${root}examples/site`,
  "--condor-bin",
  `${root}test/bin`,
  "--now",
  "1795596400",
];

async function plan(extra: string[] = [], environment: NodeJS.ProcessEnv = env) {
  const output = memoryOutput();
  const code = await main(["node", "cloudscheduler", ...args, ...extra], output, environment);
  return { code, ...output };
}

describe("cloudscheduler plan", () => {
  it("prints the boots with reasons for the real 12-job queue", async () => {
    const { code, stdout } = await plan();
    expect(code).toBe(0);
    expect(stdout).toContain("12 jobs, 0 workers observed");
    expect(stdout).toContain(
      "alberta: +2 demo-vm (image NEP52-batch, flavor m1.large) for 2 idle jobs; +2 demo-vm (image NEP52-batch) for 4 idle jobs",
    );
    expect(stdout).toContain(
      "victoria: +1 demo-vm (image NEP52-batch, flavor m1.large) for 1 idle job; +1 demo-vm (image NEP52-batch) for 1 idle job",
    );
    expect(stdout).toContain(
      '1 idle job rejected: no enabled cloud is in +TargetClouds ["dair-quebec"] [job-rejected]',
    );
    // The hostile VMType is printed quoted on one line, never raw.
    const hostile = stdout.split("\n").find((line) => line.includes("unknown VM type"));
    expect(hostile).toMatch(/unknown VM type "demo-vm\\"; \$\(touch \/tmp\/pwned\)/);
    expect(stdout).not.toMatch(/\nVMType = "evil/);
    expect(readdirSync(`${root}examples/site`)).not.toContain("pool");
  });

  it("prints JSON with --json", async () => {
    const { code, stdout } = await plan(["--json"]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as {
      pools: Record<string, { name: string }[]>;
      rejectedJobs: unknown[];
    };
    expect(result.pools.alberta?.map((w) => w.name)).toEqual([
      "cs-alberta-demo-vm-0001",
      "cs-alberta-demo-vm-0002",
      "cs-alberta-demo-vm-0003",
      "cs-alberta-demo-vm-0004",
    ]);
    expect(result.rejectedJobs).toHaveLength(2);
  });

  it("fails with exit 1, planning nothing, when the schedd is down", async () => {
    const { code, stderr, stdout } = await plan([], {
      ...env,
      CONDOR_STANDIN_Q_STDERR: `${root}test/fixtures/condor/condor_q.schedd-down.json.stderr`,
      CONDOR_STANDIN_Q_EXIT: "1",
      CONDOR_STANDIN_Q: `${root}test/fixtures/condor/condor_q.empty.json`,
    });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/schedd/i);
  });
});
