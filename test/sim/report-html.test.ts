// The HTML report's plots are readable at a glance: policies at nearly the same cost are drawn
// apart (with a close-up), no axis label runs past the plot, every plot's data area starts and
// ends at the same x, a far costlier policy does not flatten the others' bars, and each
// policy's waiting and paid idle time are explained in words.
import { expect, test } from "vitest";
import type { RunMetrics, Series } from "../../scheduler/sim/metrics.js";
import type { PolicyReport } from "../../scheduler/sim/report.js";
import { reportHtml, spreadMarks } from "../../scheduler/sim/report-html.js";

function run(policy: string, mean: number, p95: number, paid: number): RunMetrics {
  return {
    policy,
    jobs: { submitted: 10, finished: 10, unfinished: 0 },
    wait: { mean, p95, max: p95 * 2 },
    jobCoreHours: 1000,
    paidCoreHours: paid,
    utilisation: 1000 / paid,
    peakWorkers: 5,
    boots: 40,
    unusedBoots: 3,
    cancelledBoots: 0,
    fencedJoins: 0,
    drains: 40,
    deployOps: { ups: 50, changing: 40, failed: 0, destroys: 0 },
    quotaHits: 0,
    failures: {
      apiErrors: 0,
      instanceErrors: 0,
      neverJoined: 0,
      bootTimeouts: 0,
      cycleErrors: 0,
      retireFailures: 0,
      deploys: {},
      jobsEvicted: 0,
    },
    waitBreakdown: {
      "next cycle": mean * 0.2,
      "held: quota": 0,
      "held: boots per cycle": 0,
      "held: back-off": 0,
      "held: max_instances": 0,
      "held: ramp": 0,
      "held: policy": 0,
      deploy: 0,
      boot: mean * 0.6,
      "busy workers": mean * 0.2,
    },
    paidBreakdown: {
      "running jobs": 1000,
      booting: (paid - 1000) * 0.5,
      "idle VM (keep-alive)": (paid - 1000) * 0.3,
      "idle cores of busy VMs": 0,
      draining: (paid - 1000) * 0.2,
      "failed VMs": 0,
    },
    poolOverQuota: 0,
    cycles: 100,
    simulatedSeconds: 86_400 * 9.5,
    commits: 10,
  };
}

const series: Series = {
  t: [0, 86_400 * 4, 86_400 * 9.5],
  idle: [0, 3, 0],
  running: [1, 2, 0],
  workers: { east: [1, 2, 0] },
};

const report: PolicyReport = {
  trace: {
    source: "test",
    jobs: 10,
    skipped: {},
    dropped: {},
    total: { jobs: 10, coreHours: 1000 },
    procsPerCore: 1,
    notes: [],
  },
  // Ours and classic 0.1% apart in cost; static ten times dearer.
  runs: [
    run("cloudscheduler", 120, 240, 1100),
    run("static", 14_000, 70_000, 11_000),
    run("classic", 130, 241, 1101),
  ],
  bounds: { waitSeconds: 150, paidCoreHours: 1000, utilisation: 1 },
};

const numbers = (html: string, pattern: RegExp) =>
  [...html.matchAll(pattern)].map((m) => Number(m[1]));

test("markers closer than the gap are moved apart, centred on their true places", () => {
  const marks = [
    { trueX: 200, x: 200 },
    { trueX: 201, x: 201 },
    { trueX: 600, x: 600 },
  ];
  spreadMarks(marks);
  expect((marks[1]?.x ?? 0) - (marks[0]?.x ?? 0)).toBeGreaterThanOrEqual(16);
  expect(((marks[0]?.x ?? 0) + (marks[1]?.x ?? 0)) / 2).toBeCloseTo(200.5, 6);
  expect(marks[2]?.x).toBe(600);
});

test("the report: close policies apart and in a close-up, labels inside, axes aligned, bars broken, causes explained", () => {
  const html = reportHtml(report, { cloudscheduler: series, static: series, classic: series });
  // A close-up of the two cheap policies, since static squeezes them together.
  expect(html).toContain("close-up: the policies within 25% of the cheapest");
  const circles = numbers(html, /<circle cx="([\d.]+)"/g);
  expect(circles).toHaveLength(5); // 3 in the full plot, 2 in the close-up
  const [ours, , classic] = circles;
  expect(Math.abs((classic ?? 0) - (ours ?? 0))).toBeGreaterThanOrEqual(16);
  // No text starts or is centred past the plot's right edge, and the last tick label ends there.
  for (const x of numbers(html, /<text x="([\d.]+)"/g)) expect(x).toBeLessThanOrEqual(760);
  expect(html).toMatch(/text-anchor="end">9\.5 d<\/text>/);
  // Every x axis (a horizontal grey line) starts at the same x and ends at the same x.
  const axes = [
    ...html.matchAll(
      /<line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)" stroke="#999"\/>/g,
    ),
  ].filter((m) => m[2] === m[4]);
  expect(axes.length).toBeGreaterThanOrEqual(8);
  expect(new Set(axes.map((m) => `${m[1]}-${m[3]}`))).toEqual(new Set(["110-716"]));
  // Static's bars are broken so the others stay readable; its value is still printed.
  expect(html).toContain("(axis broken)");
  // Each policy's waiting and paid idle time, in words.
  expect(html).toContain("Where each policy's waiting and paid idle time come from");
  expect(html).toMatch(/<b>boot<\/b>: its new worker was booting/);
  expect(html).toMatch(/<b>idle VM \(keep-alive\)<\/b>: registered VMs running no job/);
});
