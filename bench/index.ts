// Benchmark runner: each bench/<name>.ts exports `run()` returning rows; this prints them, each
// figure beside its reference from the same run and their ratio (bench/lib/row.ts).
// Benchmarks never run in the test suite; their figures go in the closing notes.
import { readdir } from "node:fs/promises";
import { basename } from "node:path";
import { type BenchRow, formatRows } from "./lib/row.js";

export type { BenchRow } from "./lib/row.js";

interface BenchModule {
  run(): Promise<BenchRow[]>;
}

export async function main(only: string[]): Promise<number> {
  const dir = new URL(".", import.meta.url);
  const files = (await readdir(dir))
    .filter((f) => f.endsWith(".ts") && f !== "index.ts")
    .map((f) => basename(f, ".ts"))
    .filter((name) => only.length === 0 || only.includes(name))
    .sort();
  // The node options the figures were made with: heap sizes move them (a larger young
  // generation speeds the GC-bound references, JSON.parse most).
  const options = [...process.execArgv.filter((o) => !o.includes("tsx")), process.env.NODE_OPTIONS]
    .filter(Boolean)
    .join(" ");
  process.stdout.write(`node ${process.version}, options: ${options || "V8's defaults"}\n`);
  let failed = 0;
  for (const name of files) {
    const started = performance.now();
    process.stdout.write(`\n## ${name}\n`);
    try {
      const mod = (await import(new URL(`${name}.ts`, dir).href)) as BenchModule;
      const rows = await mod.run();
      if (rows.length > 0) process.stdout.write(formatRows(rows));
    } catch (err) {
      failed++;
      process.stdout.write(`FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    process.stdout.write(`(${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  }
  return failed === 0 ? 0 : 1;
}
