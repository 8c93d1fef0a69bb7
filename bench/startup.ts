// Benchmark: how long `cloudscheduler plan`, `validate` and `status` take to start and finish on
// a small site, beside `node -e 0` (the floor of any Node program) measured in the same run.
// Builds dist/ first (bin/build.js). Run with `npm run bench startup`. Like hyperfine: warm-up runs, then rounds that run the
// reference and every command once each (interleaved, so load on a shared machine hits them
// alike); median wall time, and CPU (user + system of the children, from /proc/self/stat).
// `plan` asks condor_q/condor_status stand-ins that are `cat` of a real answer, so the figure is
// the scheduler's own cost, not a Node stand-in's start-up.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseConfig } from "../scheduler/config/load.js";
import { writeStatusFile } from "../scheduler/run/status-file.js";
import { buildStatus } from "../scheduler/status/snapshot.js";
import { type BenchRow, formatRows } from "./lib/row.js";

const WARMUP = 2;
const ROUNDS = 15;
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BIN = path.join(ROOT, "bin", "cloudscheduler.js");
const FIXTURES = path.join(ROOT, "test", "fixtures", "condor");
const NOW = 1_795_596_400;

interface Command {
  name: string;
  argv: string[];
}

/** CPU seconds (user + system) of this process's waited-for children so far. */
function childrenCpuSeconds(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  // Fields after the command name (which may hold spaces) start at field 3; cutime and
  // cstime are fields 16 and 17, in clock ticks (100 per second on Linux).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

function timeOnce(command: Command, env: NodeJS.ProcessEnv): { wallMs: number; cpuMs: number } {
  const cpuBefore = childrenCpuSeconds();
  const started = performance.now();
  const result = spawnSync(process.execPath, command.argv, { env, encoding: "utf8" });
  const wallMs = performance.now() - started;
  const cpuMs = (childrenCpuSeconds() - cpuBefore) * 1000;
  if (result.status !== 0) {
    throw new Error(
      `${command.name} exited ${result.status}: ${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
  return { wallMs, cpuMs };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** A config repo of the example site, cat-based condor tools and a status file. */
async function site(dir: string): Promise<{ configDir: string; binDir: string }> {
  const configDir = path.join(dir, "site");
  mkdirSync(path.join(configDir, "pool"), { recursive: true });
  const yamlFile = path.join(ROOT, "examples", "site", "cloudscheduler.yaml");
  copyFileSync(yamlFile, path.join(configDir, "cloudscheduler.yaml"));
  const binDir = path.join(dir, "bin");
  mkdirSync(binDir);
  for (const [tool, fixture] of [
    ["condor_q", "condor_q.running.projected.json"],
    ["condor_status", "condor_status.projected.json"],
  ] as const) {
    const file = path.join(binDir, tool);
    await writeFile(file, `#!/bin/sh\nexec cat '${path.join(FIXTURES, fixture)}'\n`);
    chmodSync(file, 0o755);
  }
  const config = parseConfig(readFileSync(yamlFile, "utf8"), yamlFile);
  await writeStatusFile(
    path.join(dir, ".cloudscheduler"),
    buildStatus({ now: NOW, config, configStatus: { revision: "bench" }, backoff: [] }),
  );
  return { configDir, binDir };
}

export async function run(): Promise<BenchRow[]> {
  // What users run: the compiled build (bin/cloudscheduler.js runs the sources only when the
  // build is missing or stale, and says so).
  const build = spawnSync(process.execPath, [path.join(ROOT, "bin", "build.js")], {
    encoding: "utf8",
  });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
  const dir = mkdtempSync(path.join(tmpdir(), "startup-bench-"));
  try {
    const { configDir, binDir } = await site(dir);
    const reference: Command = { name: "node -e 0", argv: ["-e", "0"] };
    const commands: Command[] = [
      { name: "validate", argv: [BIN, "validate", configDir] },
      { name: "plan", argv: [BIN, "plan", configDir, "--condor-bin", binDir, "--now", `${NOW}`] },
      { name: "status", argv: [BIN, "status", configDir] },
    ];
    const env = { ...process.env, CLOUDSCHEDULER_STATE_DIR: path.join(dir, ".cloudscheduler") };
    for (let i = 0; i < WARMUP; i++) for (const c of [reference, ...commands]) timeOnce(c, env);
    const wall = new Map<string, number[]>();
    const cpu = new Map<string, number[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of [reference, ...commands]) {
        const t = timeOnce(c, env);
        wall.set(c.name, [...(wall.get(c.name) ?? []), t.wallMs]);
        cpu.set(c.name, [...(cpu.get(c.name) ?? []), t.cpuMs]);
      }
    }
    const refWall = median(wall.get(reference.name) ?? []);
    const refCpu = median(cpu.get(reference.name) ?? []);
    const rows: BenchRow[] = [];
    for (const c of commands) {
      rows.push({
        name: `cloudscheduler ${c.name}: wall, median of ${ROUNDS}`,
        value: Math.round(median(wall.get(c.name) ?? [])),
        unit: "ms",
        reference: { name: `${reference.name} wall`, value: Math.round(refWall) },
      });
      rows.push({
        name: `cloudscheduler ${c.name}: cpu (user+sys), median of ${ROUNDS}`,
        value: Math.round(median(cpu.get(c.name) ?? [])),
        unit: "ms",
        reference: { name: `${reference.name} cpu`, value: Math.round(refCpu) },
      });
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(formatRows(await run()));
}
