// Benchmark: parsing a 100k-job `condor_q -allusers -json` answer to typed Jobs, beside
// JSON.parse of the same bytes (decode + parse, nothing typed) in the same run.
// Run with `npm run bench condor-parse` (or `npx tsx bench/condor-parse.ts`).
//
// The answer is generated in HTCondor's exact layout from the real ads in
// test/fixtures/condor/condor_q.projected.json (demo-1 and four-core jobs, ids renumbered).
// - CPU and wall: rounds that run the reference and the parser once each (interleaved, so load
//   on a shared machine hits both alike), 64 KiB chunks as a pipe delivers them; medians.
// - Memory: heap above what the result keeps, at its peak during the parse, for the whole
//   answer and for a quarter of it (flat for a stream; JSON.parse holds the text and every ad).
// - End to end: the condor_q stand-in (spawn, pipe, parse) beside the same spawn collecting the
//   output and JSON.parse'ing it whole.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { CommandLineCondor } from "../scheduler/condor/client.js";
import { condorQArgs } from "../scheduler/condor/commands.js";
import { readJobs } from "../scheduler/condor/parse-jobs.js";
import { runTool } from "../scheduler/condor/run.js";
import { type BenchRow, formatRows } from "./lib/row.js";

const JOBS = 100_000;
const WARMUP = 2;
const ROUNDS = 11;
const END_TO_END_ROUNDS = 5;
const CHUNK_BYTES = 64 * 1024;
const FIXTURE = fileURLToPath(
  new URL("../test/fixtures/condor/condor_q.projected.json", import.meta.url),
);
const STANDIN_BIN = fileURLToPath(new URL("../test/bin/", import.meta.url));
const MiB = 1024 * 1024;

/** `count` idle job ads in HTCondor's layout, alternating the fixture's two kinds of job. */
export function generateAnswer(count: number): Buffer {
  const ads = readFileSync(FIXTURE, "utf8").trim().slice(2, -2).split("\n,\n");
  const templates = [ads[0], ads[5]].map((ad) => {
    if (ad === undefined) throw new Error(`${FIXTURE}: expected at least 6 ads`);
    return ad;
  });
  const parts: string[] = ["[\n"];
  for (let i = 0; i < count; i++) {
    const template = templates[i % templates.length] as string;
    const ad = template
      .replace(/"ClusterId": \d+/, `"ClusterId": ${1 + Math.floor(i / 1000)}`)
      .replace(/"ProcId": \d+/, `"ProcId": ${i % 1000}`);
    parts.push(i === 0 ? ad : `\n,\n${ad}`);
  }
  parts.push("\n]\n");
  return Buffer.from(parts.join(""), "utf8");
}

async function* chunked(answer: Buffer, onChunk?: () => void): AsyncGenerator<Buffer> {
  for (let at = 0; at < answer.length; at += CHUNK_BYTES) {
    onChunk?.();
    yield answer.subarray(at, at + CHUNK_BYTES);
  }
}

/** The collector, callable: bench processes run without --expose-gc. */
function collector(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

interface Measured {
  cpuMs: number;
  wallMs: number;
}

async function measure(work: () => Promise<unknown> | unknown): Promise<Measured> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs };
}

/** Peak heap above the result while `work` runs, sampled at every chunk and at its end. */
async function workingHeap(
  gc: () => void,
  work: (sample: () => void) => Promise<unknown>,
): Promise<number> {
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  };
  const result = await work(sample);
  sample();
  gc();
  const kept = process.memoryUsage().heapUsed - base;
  if (result === undefined) throw new Error("nothing parsed");
  return (peak - base - kept) / MiB;
}

async function memoryRows(gc: () => void, answer: Buffer, jobs: number): Promise<BenchRow[]> {
  const quarter = generateAnswer(jobs / 4);
  const ours = (bytes: Buffer) =>
    workingHeap(gc, async (sample) => {
      const parsed = await readJobs(chunked(bytes, sample));
      if (parsed.length === 0) throw new Error("no jobs");
      return parsed;
    });
  const whole = await ours(answer);
  const part = await ours(quarter);
  const reference = await workingHeap(gc, async (sample) => {
    const text = answer.toString("utf8");
    sample();
    const ads = JSON.parse(text) as unknown[];
    sample();
    return ads.length;
  });
  const size = (bytes: Buffer) => Number((bytes.length / MiB).toFixed(1));
  return [
    {
      name: `parse ${jobs} jobs: peak heap above the Jobs kept`,
      value: Number(whole.toFixed(1)),
      unit: "MiB",
      reference: { name: "the answer's size", value: size(answer) },
    },
    {
      name: `parse ${jobs / 4} jobs: peak heap above the Jobs kept`,
      value: Number(part.toFixed(1)),
      unit: "MiB",
      reference: { name: "the answer's size", value: size(quarter) },
    },
    {
      name: `JSON.parse of ${jobs} jobs: peak heap above the ads kept`,
      value: Number(reference.toFixed(1)),
      unit: "MiB",
      reference: { name: "the answer's size", value: size(answer) },
    },
  ];
}

async function endToEndRows(answer: Buffer): Promise<BenchRow[]> {
  const dir = mkdtempSync(path.join(tmpdir(), "condor-bench-"));
  try {
    const file = path.join(dir, "condor_q.json");
    writeFileSync(file, answer);
    const config = { timeout: 120 };
    const env = { PATH: process.env.PATH, CONDOR_STANDIN_Q: file };
    const client = new CommandLineCondor(config, {
      binDir: STANDIN_BIN,
      env,
      workerIdentity: "unchecked",
    });
    const whole = () =>
      runTool(
        "condor_q",
        condorQArgs(config),
        { binDir: STANDIN_BIN, timeoutMs: 120_000, env },
        async (stdout) => {
          const pieces: Buffer[] = [];
          for await (const chunk of stdout) pieces.push(chunk);
          return (JSON.parse(Buffer.concat(pieces).toString("utf8")) as unknown[]).length;
        },
      );
    const ours: number[] = [];
    const reference: number[] = [];
    for (let i = 0; i < END_TO_END_ROUNDS; i++) {
      reference.push((await measure(whole)).wallMs);
      ours.push(
        (
          await measure(async () => {
            const jobs = await client.jobs();
            if (jobs.length !== JOBS) throw new Error(`stand-in gave ${jobs.length} jobs`);
          })
        ).wallMs,
      );
    }
    return [
      {
        name: `condor_q stand-in -> ${JOBS} Jobs, wall (median of ${END_TO_END_ROUNDS})`,
        value: Math.round(median(ours)),
        unit: "ms",
        reference: {
          name: "same spawn, output kept whole + JSON.parse",
          value: Math.round(median(reference)),
        },
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchRow[]> {
  const answer = generateAnswer(JOBS);
  const gc = collector();
  const reference = () => (JSON.parse(answer.toString("utf8")) as unknown[]).length;
  const ours = async () => {
    const jobs = await readJobs(chunked(answer));
    if (jobs.length !== JOBS) throw new Error(`parsed ${jobs.length} jobs, expected ${JOBS}`);
  };
  for (let i = 0; i < WARMUP; i++) {
    await measure(reference);
    await measure(ours);
  }
  const refRuns: Measured[] = [];
  const ourRuns: Measured[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    gc();
    refRuns.push(await measure(reference));
    gc();
    ourRuns.push(await measure(ours));
  }
  const cpu = (runs: Measured[]) => Math.round(median(runs.map((r) => r.cpuMs)));
  const wall = (runs: Measured[]) => Math.round(median(runs.map((r) => r.wallMs)));
  return [
    {
      name: `parse ${JOBS}-job answer (${(answer.length / MiB).toFixed(1)} MiB) to Jobs: CPU, median of ${ROUNDS}`,
      value: cpu(ourRuns),
      unit: "ms",
      reference: { name: "JSON.parse of the same bytes: CPU", value: cpu(refRuns) },
    },
    {
      name: `parse ${JOBS}-job answer to Jobs: wall, median of ${ROUNDS}`,
      value: wall(ourRuns),
      unit: "ms",
      reference: { name: "JSON.parse of the same bytes: wall", value: wall(refRuns) },
    },
    ...(await memoryRows(gc, answer, JOBS)),
    ...(await endToEndRows(answer)),
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(formatRows(await run()));
}
