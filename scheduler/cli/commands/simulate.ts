// `cloudscheduler simulate --trace <file>`: replays a workload trace through the real scheduler
// cycle against simulated clouds and a simulated HTCondor, in simulated time, next to two
// baselines; prints the policy table and writes report.json + report.html. Progress on stderr.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { ConfigError } from "../../config/problem.js";
import { comparePolicies } from "../../sim/compare.js";
import { mockedPoolProgram } from "../../sim/pulumi-program.js";
import { policyTable } from "../../sim/report.js";
import { reportHtml } from "../../sim/report-html.js";
import { simConfig } from "../../sim/sim-config.js";
import { readTrace, TraceFormatError } from "../../sim/trace.js";
import type { CommandContext } from "../context.js";
import { EXIT_OK, EXIT_USAGE } from "../exit-codes.js";

interface SimulateOptions {
  trace: string;
  config?: string;
  speed?: string;
  out: string;
  seed: string;
  json?: boolean;
  procsPerCore: string;
  pulumiEvery: string;
  jobs?: string;
  condorJsonEvery: string;
}

export function registerSimulate(program: Command, ctx: CommandContext): void {
  program
    .command("simulate")
    .description(
      "replay a job trace through the scheduler against simulated clouds; compare with baselines",
    )
    .requiredOption("--trace <file>", "SWF (.swf, .swf.gz) or job file (.yaml, .json, .jsonl)")
    .option(
      "--config <dir>",
      "config dir holding cloudscheduler.yaml (default: the bundled 2-cloud trace site)",
    )
    .option("--speed <n>", "simulated seconds per real second (default: as fast as possible)")
    .option("--out <dir>", "where report.json and report.html go", "sim-report")
    .option("--seed <n>", "seed of boot times and failures", "1")
    .option("--json", "print the report as JSON instead of the table")
    .option(
      "--procs-per-core <n>",
      "SWF processors per VM core; auto: the smallest power of two at which the largest job fits the largest VM type",
      "auto",
    )
    .option("--jobs <n>", "replay only the first n jobs of the trace")
    .option(
      "--pulumi-every <n>",
      "run the pool Pulumi program under mocks for 1 in n deploys (0: never)",
      "50",
    )
    .option(
      "--condor-json-every <n>",
      "print and parse HTCondor's JSON for 1 in n observations, checked equal to the records the others build directly",
      "25",
    )
    .action(async (opts: SimulateOptions) => {
      ctx.setExitCode(await simulateCommand(opts, ctx));
    });
}

async function simulateCommand(opts: SimulateOptions, ctx: CommandContext): Promise<number> {
  const numbers: Record<string, number> = {
    seed: Number(opts.seed),
    pulumiEvery: Number(opts.pulumiEvery),
    "condor-json-every": Number(opts.condorJsonEvery),
    ...(opts.procsPerCore === "auto" ? {} : { "procs-per-core": Number(opts.procsPerCore) }),
    ...(opts.jobs === undefined ? {} : { jobs: Number(opts.jobs) }),
  };
  for (const [name, value] of Object.entries(numbers)) {
    const least = ["procs-per-core", "jobs", "condor-json-every"].includes(name) ? 1 : 0;
    if (!Number.isInteger(value) || value < least) {
      ctx.output.err(
        `cloudscheduler simulate: --${name} expects a whole number >= ${least}${name === "procs-per-core" ? " or auto" : ""}`,
      );
      return EXIT_USAGE;
    }
  }
  const speed = opts.speed === undefined ? undefined : Number(opts.speed);
  if (speed !== undefined && !(speed > 0)) {
    ctx.output.err("cloudscheduler simulate: --speed expects a positive number");
    return EXIT_USAGE;
  }
  let config: Awaited<ReturnType<typeof simConfig>>;
  let trace: Awaited<ReturnType<typeof readTrace>>;
  try {
    config = await simConfig(opts.config);
    trace = await readTrace(opts.trace);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof TraceFormatError || isMissingFile(err)) {
      ctx.output.err(
        `cloudscheduler simulate: ${err instanceof Error ? err.message : String(err)}`,
      );
      return EXIT_USAGE;
    }
    throw err;
  }
  if (numbers.jobs !== undefined && trace.jobs.length > numbers.jobs) {
    trace = {
      ...trace,
      source: `${trace.source} (first ${numbers.jobs} jobs)`,
      jobs: trace.jobs.slice(0, numbers.jobs),
    };
  }
  const pulumiEvery = numbers.pulumiEvery as number;
  const mocked = pulumiEvery > 0 ? await mockedPoolProgram(pulumiEvery) : undefined;
  const realStart = performance.now();
  const { report, series } = await comparePolicies({
    config,
    trace,
    seed: numbers.seed as number,
    condorJsonEvery: numbers["condor-json-every"] as number,
    procsPerCore: numbers["procs-per-core"] ?? "auto",
    // The bundled site grows to the trace's peak demand; a site given with --config is as it is.
    fitQuotas: opts.config === undefined,
    ...(mocked ? { program: mocked.program } : {}),
    onProgress: (policy, p) => {
      ctx.output.err(
        `simulate ${policy}: ${(p.fraction * 100).toFixed(0)}% of the trace, ${p.finished}/${p.total} jobs done, sim time ${new Date(p.now * 1000).toISOString().slice(0, 16)}`,
      );
    },
  });
  if (speed !== undefined) {
    // Simulated time runs ahead of the clock; --speed only paces when the report appears.
    const simulated = Math.max(...report.runs.map((r) => r.simulatedSeconds));
    const wait = (simulated / speed) * 1000 - (performance.now() - realStart);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 2 ** 31 - 1)));
  }
  await mkdir(opts.out, { recursive: true });
  const json = JSON.stringify({ ...report, pulumiProgramRuns: mocked?.runs() ?? 0 }, null, 2);
  await writeFile(path.join(opts.out, "report.json"), `${json}\n`);
  await writeFile(path.join(opts.out, "report.html"), reportHtml(report, series));
  ctx.output.out(opts.json ? json : policyTable(report));
  ctx.output.err(
    `report: ${path.join(opts.out, "report.html")}, ${path.join(opts.out, "report.json")}`,
  );
  return EXIT_OK;
}

function isMissingFile(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}
