// Benchmark: parsing a 100k-job condor_q answer. Run with `npx tsx bench/condor-parse.ts`.
// The answer is generated in HTCondor's exact layout from the real ads in
// test/fixtures/condor/condor_q.projected.json (demo-1 and four-core jobs, ids renumbered).
// Measures the in-process stream (chunks -> ads -> Jobs) and the whole path through the
// condor_q stand-in (spawn, pipe, parse); median of 5 runs, peak rss / heapUsed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { streamAds } from "../scheduler/condor/ad-stream.js";
import { CommandLineCondor } from "../scheduler/condor/client.js";
import { parseJobs } from "../scheduler/condor/parse-jobs.js";

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
}

const JOBS = 100_000;
const RUNS = 5;
const CHUNK_BYTES = 64 * 1024;
const FIXTURE = fileURLToPath(
  new URL("../test/fixtures/condor/condor_q.projected.json", import.meta.url),
);
const STANDIN_BIN = fileURLToPath(new URL("../test/bin/", import.meta.url));

/** `count` idle job ads in HTCondor's layout, alternating the fixture's two kinds of job. */
function generateAnswer(count: number): Buffer {
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

class MemoryPeak {
  rss = 0;
  heapUsed = 0;
  sample(): void {
    const usage = process.memoryUsage();
    this.rss = Math.max(this.rss, usage.rss);
    this.heapUsed = Math.max(this.heapUsed, usage.heapUsed);
  }
}

async function* chunked(answer: Buffer, peak: MemoryPeak): AsyncGenerator<Buffer> {
  for (let at = 0; at < answer.length; at += CHUNK_BYTES) {
    // Sampling every 16 chunks (1 MiB) keeps the sampler out of the measurement.
    if ((at / CHUNK_BYTES) % 16 === 0) peak.sample();
    yield answer.subarray(at, at + CHUNK_BYTES);
  }
  peak.sample();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const MB = 1024 * 1024;
const round = (n: number, digits = 1): number => Number(n.toFixed(digits));

export async function run(): Promise<BenchRow[]> {
  const answer = generateAnswer(JOBS);
  global.gc?.();
  const baseline = process.memoryUsage();

  const inProcess = new MemoryPeak();
  const streamTimes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const jobs = await parseJobs(streamAds(chunked(answer, inProcess)));
    streamTimes.push(performance.now() - started);
    if (jobs.length !== JOBS) throw new Error(`parsed ${jobs.length} jobs, expected ${JOBS}`);
    inProcess.sample();
  }

  const dir = mkdtempSync(path.join(tmpdir(), "condor-bench-"));
  const endToEnd = new MemoryPeak();
  const spawnTimes: number[] = [];
  try {
    const file = path.join(dir, "condor_q.json");
    writeFileSync(file, answer);
    const client = new CommandLineCondor(
      { timeout: 120 },
      { binDir: STANDIN_BIN, env: { PATH: process.env.PATH, CONDOR_STANDIN_Q: file } },
    );
    const sampler = setInterval(() => endToEnd.sample(), 10);
    try {
      for (let i = 0; i < RUNS; i++) {
        const started = performance.now();
        const jobs = await client.jobs();
        spawnTimes.push(performance.now() - started);
        if (jobs.length !== JOBS)
          throw new Error(`stand-in gave ${jobs.length} jobs, expected ${JOBS}`);
      }
    } finally {
      clearInterval(sampler);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  return [
    {
      name: "condor answer size (100k jobs, projected)",
      value: round(answer.length / MB),
      unit: "MiB",
    },
    {
      name: "parse 100k jobs, in-process stream (median of 5)",
      value: round(median(streamTimes)),
      unit: "ms",
    },
    {
      name: "condor_q stand-in -> 100k jobs (median of 5)",
      value: round(median(spawnTimes)),
      unit: "ms",
    },
    {
      name: "rss before parsing (answer held in memory)",
      value: round(baseline.rss / MB),
      unit: "MiB",
    },
    { name: "peak rss, in-process stream", value: round(inProcess.rss / MB), unit: "MiB" },
    {
      name: "peak heapUsed, in-process stream",
      value: round(inProcess.heapUsed / MB),
      unit: "MiB",
    },
    { name: "peak rss, via stand-in", value: round(endToEnd.rss / MB), unit: "MiB" },
    { name: "peak heapUsed, via stand-in", value: round(endToEnd.heapUsed / MB), unit: "MiB" },
  ];
}

function printTable(rows: BenchRow[]): void {
  const width = Math.max(...rows.map((row) => row.name.length));
  for (const row of rows)
    console.log(`${row.name.padEnd(width)}  ${String(row.value).padStart(10)} ${row.unit}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printTable(await run());
}
