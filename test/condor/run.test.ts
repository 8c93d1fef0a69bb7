import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseAds, streamAds } from "../../scheduler/condor/ad-stream.js";
import {
  CondorCommandError,
  CondorNotInstalledError,
  CondorParseError,
  CondorTimeoutError,
  CondorUnavailableError,
} from "../../scheduler/condor/errors.js";
import { collectText, formatCommand, runTool } from "../../scheduler/condor/run.js";
import { fixture, readFixture, rejection, STANDIN_BIN, StandinWorld } from "./helpers.js";

/** Running (a zombie waiting for its reaper counts as gone). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 40 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !isAlive(pid);
}

/** An answer of `count` job ads in HTCondor's layout, big enough to arrive in many chunks. */
function bigAnswer(dir: string, count: number): string {
  const ad = readFixture("condor_q.projected.json").toString("utf8").split("\n,\n")[1] as string;
  const file = path.join(dir, "big.json");
  writeFileSync(file, `[\n${Array.from({ length: count }, () => ad).join("\n,\n")}\n]\n`);
  return file;
}

let world: StandinWorld;
afterEach(() => world?.remove());

describe("runTool", () => {
  it("streams stdout to the consumer chunk by chunk", async () => {
    world = new StandinWorld();
    const file = bigAnswer(world.dir, 2000);
    const env = world.env({ CONDOR_STANDIN_Q: file });
    let chunks = 0;
    const ads = await runTool(
      "condor_q",
      ["-json"],
      { binDir: STANDIN_BIN, timeoutMs: 10_000, env },
      async (stdout) => {
        const seen = [];
        async function* counting() {
          for await (const chunk of stdout) {
            chunks++;
            yield chunk;
          }
        }
        for await (const ad of streamAds(counting())) seen.push(ad);
        return seen;
      },
    );
    expect(ads).toEqual(parseAds(readFileSync(file)));
    expect(ads).toHaveLength(2000);
    expect(chunks).toBeGreaterThan(10);
  });

  it("passes arguments without a shell: nothing in them is interpreted", async () => {
    world = new StandinWorld();
    const env = world.env({ CONDOR_STANDIN_DRAIN: fixture("condor_drain.txt") });
    const hostile = [
      "-reason",
      "$(touch /tmp/pwned); echo `id` > x | y && z",
      "'quoted' \"double\"",
      "*",
    ];
    const out = await runTool(
      "condor_drain",
      hostile,
      { binDir: STANDIN_BIN, timeoutMs: 10_000, env },
      collectText(),
    );
    expect(out).toContain("Sent request to drain the startd");
    expect(world.calls().map((c) => c.args)).toEqual([hostile]);
  });

  it("kills the whole process group of a hung tool at our timeout", async () => {
    world = new StandinWorld();
    const env = world.env({
      CONDOR_STANDIN_Q: fixture("condor_q.all.json"),
      CONDOR_STANDIN_DELAY: "60",
    });
    const started = Date.now();
    const error = await rejection(
      runTool(
        "condor_q",
        ["-allusers"],
        { binDir: STANDIN_BIN, timeoutMs: 700, env },
        collectText(),
      ),
    );
    expect(error).toBeInstanceOf(CondorTimeoutError);
    expect(error.message).toBe("condor_q -allusers: no answer within 0.7s; killed");
    expect(Date.now() - started).toBeLessThan(5000);
    const [call] = world.calls();
    expect(call?.sleeperPid).toBeTypeOf("number");
    // The tool and the child it started are both gone.
    expect(await gone(call?.pid as number)).toBe(true);
    expect(await gone(call?.sleeperPid as number)).toBe(true);
  });

  it("says which binary is missing and where it looked", async () => {
    const empty = mkdtempSync(path.join(tmpdir(), "no-condor-"));
    try {
      const error = await rejection(
        runTool("condor_q", [], { binDir: empty, timeoutMs: 5000 }, collectText()),
      );
      expect(error).toBeInstanceOf(CondorNotInstalledError);
      expect(error.message).toContain(`condor_q not found in ${empty}`);
      const onPath = await rejection(
        runTool("condor_status", [], { timeoutMs: 5000, env: { PATH: empty } }, collectText()),
      );
      expect(onPath).toBeInstanceOf(CondorNotInstalledError);
      expect(onPath.message).toContain("condor_status not found in PATH");
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  it("finds a tool in any of the operator's directories, as HTCondor splits them over bin/ and sbin/", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "condor-dirs-"));
    try {
      const bin = path.join(root, "bin");
      const sbin = path.join(root, "sbin");
      mkdirSync(bin);
      mkdirSync(sbin);
      writeFileSync(path.join(sbin, "condor_reconfig"), "#!/bin/sh\necho sbin-reconfig\n", {
        mode: 0o755,
      });
      const out = await runTool(
        "condor_reconfig",
        [],
        { binDir: `${bin}:${sbin}`, timeoutMs: 5000 },
        collectText(),
      );
      expect(out).toBe("sbin-reconfig\n");
      const missing = await rejection(
        runTool("condor_q", [], { binDir: `${bin}:${sbin}`, timeoutMs: 5000 }, collectText()),
      );
      expect(missing.message).toContain(`condor_q not found in ${bin}:${sbin}`);
    } finally {
      rmSync(root, { recursive: true });
    }
  });

  it("caps the output size", async () => {
    world = new StandinWorld();
    const env = world.env({ CONDOR_STANDIN_Q: fixture("condor_q.all.json") });
    const error = await rejection(
      runTool(
        "condor_q",
        [],
        { binDir: STANDIN_BIN, timeoutMs: 10_000, env, maxOutputBytes: 5000 },
        collectText(),
      ),
    );
    expect(error).toBeInstanceOf(CondorCommandError);
    expect(error.message).toContain("output larger than 5000 bytes");
  });

  it("reports a failed tool by its exit status, not as a parse problem of its partial output", async () => {
    world = new StandinWorld();
    const env = world.env({
      CONDOR_STANDIN_Q: fixture("condor_q.truncated.json"),
      CONDOR_STANDIN_Q_STDERR: fixture("condor_q.schedd-down.json.stderr"),
      CONDOR_STANDIN_Q_EXIT: "1",
    });
    const error = await rejection(
      runTool("condor_q", [], { binDir: STANDIN_BIN, timeoutMs: 10_000, env }, async (stdout) => {
        const ads = [];
        for await (const ad of streamAds(stdout)) ads.push(ad);
        return ads;
      }),
    );
    expect(error).toBeInstanceOf(CondorUnavailableError);
  });

  it("passes on the consumer's parse error when the tool itself succeeded", async () => {
    world = new StandinWorld();
    const env = world.env({ CONDOR_STANDIN_Q: fixture("condor_q.empty.global.json") });
    const error = await rejection(
      runTool("condor_q", [], { binDir: STANDIN_BIN, timeoutMs: 10_000, env }, async (stdout) => {
        for await (const _ of streamAds(stdout)) {
          // drain
        }
      }),
    );
    expect(error).toBeInstanceOf(CondorParseError);
  });

  it("drains the rest of a large answer after the parser gave up, so the tool can exit", async () => {
    world = new StandinWorld();
    const file = path.join(world.dir, "garbage.json");
    writeFileSync(file, `x${readFileSync(bigAnswer(world.dir, 3000)).toString("utf8")}`);
    const started = Date.now();
    const error = await rejection(
      runTool(
        "condor_q",
        [],
        { binDir: STANDIN_BIN, timeoutMs: 20_000, env: world.env({ CONDOR_STANDIN_Q: file }) },
        async (stdout) => {
          for await (const _ of streamAds(stdout)) {
            // drain
          }
        },
      ),
    );
    expect(error).toBeInstanceOf(CondorParseError);
    expect((error as CondorParseError).byteOffset).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("formats command lines for messages, quoting what needs it", () => {
    expect(formatCommand("condor_drain", ["-reason", "idle 10m", "vm.example"])).toBe(
      'condor_drain -reason "idle 10m" vm.example',
    );
  });
});
