// Dropped jobs are reported with their share, and the default site fits the trace.
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { comparePolicies } from "../../scheduler/sim/compare.js";
import { policyTable } from "../../scheduler/sim/report.js";
import { reportHtml } from "../../scheduler/sim/report-html.js";
import { simConfig } from "../../scheduler/sim/sim-config.js";
import type { Trace, TraceJob } from "../../scheduler/sim/trace.js";
import { readTrace } from "../../scheduler/sim/trace.js";
import { autoProcsPerCore } from "../../scheduler/sim/trace-map.js";
import { peakDemand, prepareReplay } from "../../scheduler/sim/trace-site.js";
import { exampleConfig } from "./world.js";

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/traces/${name}`, import.meta.url));

test("every dropped job is in the table and the HTML report, with its share of jobs and core-hours", async () => {
  const trace = await readTrace(fixture("small-jobs.yaml"));
  const { report, series } = await comparePolicies({
    config: exampleConfig(),
    trace,
    start: 1_795_596_400,
    policies: ["cloudscheduler"],
  });
  // 6 jobs; the 64-core one (100 s of 64 cores = 1.78 core-h) fits no VM type.
  expect(report.trace.total.jobs).toBe(6);
  expect(report.trace.jobs).toBe(5);
  const table = policyTable(report);
  const coreHours = (300 + 600 + 900 * 4 + 200 * 2 + 400 + 100 * 64) / 3600;
  const share = ((100 * 64) / 3600 / coreHours) * 100;
  expect(table).toContain(`5/6`);
  expect(table).toContain(`1 (17% jobs, ${share.toFixed(0)}% core-h)`);
  expect(table).toMatch(
    /DROPPED 1 job \(17% of jobs, \d+% of core-hours\): fits no VM type \(the largest, four-core, has 4 cores and 16384 MiB\); they need up to 64 cores; e\.g\. jobs 6/,
  );
  const html = reportHtml(report, series);
  expect(html).toContain("DROPPED 1 job (17% of jobs");
});

test("procs-per-core auto: the smallest power of two at which the largest job fits the largest VM type", async () => {
  const config = await simConfig(); // VM types up to c32
  const jobs = (cores: number[]): TraceJob[] =>
    cores.map((c, i) => ({ id: String(i), submit: i, runtime: 60, cores: c, user: "u" }));
  expect(autoProcsPerCore(jobs([1, 8, 32]), config)).toBe(1);
  expect(autoProcsPerCore(jobs([1, 128]), config)).toBe(4);
  expect(autoProcsPerCore(jobs([12, 516]), config)).toBe(32);
  const nasa = await readTrace(fixture("NASA-iPSC-1993-3.1-cln.swf.gz"));
  const replay = prepareReplay(nasa, config, { procsPerCore: "auto", fitQuotas: true });
  expect(replay.procsPerCore).toBe(4);
  expect(replay.mapped.dropped).toEqual({});
  expect(replay.mapped.jobs).toHaveLength(18_239);
});

test("the default site's quotas grow to the trace's peak demand (25 % headroom) and never shrink", async () => {
  const config = await simConfig(); // 64 + 32 cores, 40 + 20 instances
  const burst: Trace = {
    source: "burst",
    header: {},
    skipped: {},
    jobs: Array.from({ length: 200 }, (_, i) => ({
      id: String(i),
      submit: 0,
      runtime: 600,
      cores: 2,
      user: "u",
    })),
  };
  const replay = prepareReplay(burst, config, { procsPerCore: 1, fitQuotas: true });
  expect(peakDemand(replay.mapped, replay.config)).toEqual({ cores: 400, instances: 200 });
  const clouds = Object.values(replay.config.clouds);
  const cores = clouds.reduce((n, c) => n + c.quota.cores, 0);
  const instances = clouds.reduce((n, c) => n + c.quota.instances, 0);
  expect(cores).toBeGreaterThanOrEqual(500);
  expect(instances).toBeGreaterThanOrEqual(250);
  // Weights keep their ratio: east (weight 2) holds twice west's cores.
  expect(replay.config.clouds.east?.quota.cores).toBe(
    2 * (replay.config.clouds.west?.quota.cores ?? 0),
  );
  expect(replay.notes.join(" ")).toMatch(/peak demand is 400 cores in 200 VMs/);
  // A small trace leaves the bundled quotas as they are.
  const small = prepareReplay({ ...burst, jobs: burst.jobs.slice(0, 3) }, config, {
    fitQuotas: true,
  });
  expect(small.config.clouds).toEqual(config.clouds);
});
