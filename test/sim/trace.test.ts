import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { readTrace } from "../../scheduler/sim/trace.js";
import { parseJobFile } from "../../scheduler/sim/trace-jobs.js";
import { mapTrace } from "../../scheduler/sim/trace-map.js";
import { parseSwfLines } from "../../scheduler/sim/trace-swf.js";
import { exampleConfig, START } from "./world.js";

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/traces/${name}`, import.meta.url));

test("the NASA iPSC/860 log (gzip SWF) reads whole: 18,239 jobs, header facts, first and last job", async () => {
  const trace = await readTrace(fixture("NASA-iPSC-1993-3.1-cln.swf.gz"));
  expect(trace.jobs).toHaveLength(18_239);
  expect(trace.skipped).toEqual({});
  expect(trace.header.MaxProcs).toBe("128");
  expect(trace.startTime).toBe(749_458_803);
  expect(trace.jobs[0]).toEqual({ id: "1", submit: 0, runtime: 1451, cores: 128, user: "user1" });
  expect(trace.jobs.at(-1)).toMatchObject({
    id: "42264",
    submit: 7_948_936,
    runtime: 86,
    cores: 128,
  });
  expect(Math.max(...trace.jobs.map((j) => j.cores))).toBe(128);
  const procSeconds = trace.jobs.reduce((s, j) => s + j.cores * j.runtime, 0);
  expect(procSeconds).toBe(474_238_015);
});

test("SWF lines with an unknown run time or processor count are skipped and counted", async () => {
  const lines = [
    "; MaxProcs: 8",
    "1 0 -1 100 4 -1 2048 -1 -1 -1 1 7 1 -1 -1 -1 -1 -1",
    "2 10 -1 -1 4 -1 -1 -1 -1 -1 1 7 1 -1 -1 -1 -1 -1",
    "3 20 -1 50 -1 -1 -1 2 -1 -1 1 7 1 -1 -1 -1 -1 -1",
    "4 30 -1 50 -1 -1 -1 -1 -1 -1 1 7 1 -1 -1 -1 -1 -1",
  ];
  const parsed = await parseSwfLines(lines, "t.swf");
  expect(parsed.jobs.map((j) => [j.id, j.cores, j.memoryMb])).toEqual([
    ["1", 4, 8],
    ["3", 2, undefined],
  ]);
  expect(parsed.skipped).toEqual({ "run time -1": 1, "processors -1": 1 });
  await expect(parseSwfLines(["1 2 3"], "bad.swf")).rejects.toThrow(
    /bad\.swf:1: expected 18 numeric/,
  );
});

test("job files: YAML with optional VM types; mapping picks the smallest VM type that fits and drops the rest", async () => {
  const trace = await readTrace(fixture("small-jobs.yaml"));
  expect(trace.jobs).toHaveLength(6);
  const mapped = mapTrace(trace.jobs, exampleConfig(), { start: START });
  expect(mapped.jobs.map((j) => [j.vmType, j.cores, j.submit - START])).toEqual([
    ["demo-vm", 1, 0],
    ["demo-vm", 1, 0],
    ["four-core", 4, 30],
    ["demo-vm", 2, 120], // 2 cores, no VM type: demo-vm (2 cores) is the smallest that fits
    ["demo-vm", 1, 1800],
  ]);
  expect(Object.keys(mapped.dropped)).toEqual([
    "fits no VM type (the largest, four-core, has 4 cores and 16384 MiB)",
  ]);
  // Scaling processors to cores makes the 64-processor job fit a four-core VM.
  expect(mapTrace(trace.jobs, exampleConfig(), { start: START, procsPerCore: 16 }).dropped).toEqual(
    {},
  );
  expect(() => parseJobFile('[{"submit": -1, "runtime": 1}]', "x.json")).toThrow(
    /x\.json: job 0: submit/,
  );
});
