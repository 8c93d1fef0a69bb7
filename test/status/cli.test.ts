// `cloudscheduler status` through main(): reads the daemon's status.json (text and --json), or
// its JSON API with --url; says clearly when there is no status yet.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../scheduler/cli/main.js";
import { memoryOutput } from "../../scheduler/cli/output.js";
import { BackoffTracker } from "../../scheduler/deploy/backoff.js";
import { writeStatusFile } from "../../scheduler/run/status-file.js";
import { formatStatus } from "../../scheduler/status/format-text.js";
import { parseListen } from "../../scheduler/status/listen.js";
import { startStatusService } from "../../scheduler/status/service.js";
import { buildStatus } from "../../scheduler/status/snapshot.js";
import { exampleConfig, knownBackoff, knownConfigStatus, knownReport, NOW } from "./world.js";

async function run(args: string[], env: NodeJS.ProcessEnv) {
  const output = memoryOutput();
  const code = await main(["node", "cloudscheduler", ...args], output, env);
  return { code, stdout: output.stdout, stderr: output.stderr };
}

describe("cloudscheduler status", () => {
  it("prints the status file as tables, -m and --json", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "cs-state-"));
    const snapshot = buildStatus({
      now: NOW,
      config: exampleConfig(),
      configStatus: knownConfigStatus,
      cycle: { number: 42, report: knownReport() },
      backoff: knownBackoff,
    });
    await writeStatusFile(stateDir, snapshot);
    const env = { CLOUDSCHEDULER_STATE_DIR: stateDir };

    expect(await run(["status"], env)).toEqual({
      code: 0,
      stdout: formatStatus(snapshot),
      stderr: "",
    });
    expect((await run(["status", "-m"], env)).stdout).toBe(
      formatStatus(snapshot, { machines: true }),
    );
    const json = await run(["status", "--json"], env);
    expect(JSON.parse(json.stdout)).toEqual(snapshot);
  });

  it("fails with a clear message when there is no status yet", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "cs-state-"));
    const result = await run(["status"], { CLOUDSCHEDULER_STATE_DIR: stateDir });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `cloudscheduler status: no status yet: ${join(stateDir, "status.json")} does not exist (is \`cloudscheduler run\` running with this state dir? or use --url)\n`,
    );
  });

  it("--url asks a running status server", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "cs-state-"));
    const service = await startStatusService({
      stateDir,
      backoff: new BackoffTracker(),
      now: () => NOW,
      listen: parseListen("127.0.0.1:0", false),
    });
    try {
      await service.configLoaded(exampleConfig(), "rev-url");
      await service.onCycle(knownReport());
      const result = await run(["status", "--url", service.server?.url ?? "", "--json"], {});
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual(service.state.snapshot());
    } finally {
      await service.close();
    }
    const down = await run(["status", "--url", service.server?.url ?? ""], {});
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      /^cloudscheduler status: cannot reach http:\/\/127\.0\.0\.1:\d+\/api\/status/,
    );
  });
});
