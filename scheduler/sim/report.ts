// The policy table: ours vs. the baselines vs. the bounds no policy can beat, as text and as
// rows for `npm run bench`.
import type { RunMetrics } from "./metrics.js";
import type { DroppedJobs } from "./trace-map.js";

export interface Bounds {
  /** A cold elastic pool cannot start a job before a VM boots: the median boot time. */
  waitSeconds: number;
  /** Paid core-hours cannot be below the core-hours the jobs use. */
  paidCoreHours: number;
  utilisation: 1;
}

export interface PolicyReport {
  trace: {
    source: string;
    jobs: number;
    skipped: Record<string, number>;
    /** Jobs that fit no VM type, by reason: never replayed, but counted. */
    dropped: Record<string, DroppedJobs>;
    /** The whole trace (replayed and dropped), the base of the dropped shares. */
    total: { jobs: number; coreHours: number };
    procsPerCore: number;
    /** How the site or the mapping was fitted to the trace. */
    notes: string[];
  };
  runs: RunMetrics[];
  bounds: Bounds;
}

export function boundsOf(runs: readonly RunMetrics[], bootMedianSeconds: number): Bounds {
  const jobCoreHours = runs.reduce((m, r) => Math.max(m, r.jobCoreHours), 0);
  return { waitSeconds: bootMedianSeconds, paidCoreHours: jobCoreHours, utilisation: 1 };
}

const COLUMNS = [
  "policy",
  "jobs done",
  "dropped",
  "mean wait",
  "p95 wait",
  "paid core-h",
  "job core-h",
  "util",
  "peak VMs",
  "boots",
  "drains",
  "deploys (chg/all)",
  "quota hits",
  "failures",
] as const;

export function policyTable(report: PolicyReport): string {
  const dropped = droppedTotals(report);
  const droppedCell =
    dropped.jobs === 0
      ? "0"
      : `${dropped.jobs} (${percent(dropped.jobs, report.trace.total.jobs)} jobs, ${percent(dropped.coreHours, report.trace.total.coreHours)} core-h)`;
  const rows: string[][] = report.runs.map((r) => [
    r.policy,
    `${r.jobs.finished}/${report.trace.total.jobs}`,
    droppedCell,
    seconds(r.wait.mean),
    seconds(r.wait.p95),
    r.paidCoreHours.toFixed(0),
    r.jobCoreHours.toFixed(0),
    r.utilisation.toFixed(3),
    String(r.peakWorkers),
    String(r.boots),
    String(r.drains),
    `${r.deployOps.changing}/${r.deployOps.ups}`,
    String(r.quotaHits),
    failuresText(r),
  ]);
  const b = report.bounds;
  rows.push([
    "bound",
    "",
    "",
    `>= ${seconds(b.waitSeconds)}`,
    `>= ${seconds(b.waitSeconds)}`,
    `>= ${b.paidCoreHours.toFixed(0)}`,
    "",
    "<= 1.000",
    "",
    "",
    "",
    "",
    "",
    "",
  ]);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join("  ");
  const skipped = Object.entries(report.trace.skipped).map(([k, v]) => `${v} ${k}`);
  return [
    `trace ${report.trace.source}: ${report.trace.total.jobs} jobs, ${report.trace.jobs} replayed${skipped.length ? `; skipped (not jobs): ${skipped.join(", ")}` : ""}`,
    ...report.trace.notes.map((n) => `site: ${n}`),
    ...droppedLines(report),
    line(COLUMNS),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "bound: wait cannot beat a cold boot (median boot time); paid core-hours cannot be below job core-hours; utilisation cannot exceed 1.",
    "",
    ...report.runs.flatMap(breakdownLines),
  ].join("\n");
}

/** Where a run's waiting and its paid time beyond the jobs went, as two lines. */
export function breakdownLines(r: RunMetrics): string[] {
  const wait = Object.entries(r.waitBreakdown)
    .filter(([, v]) => v >= 0.5)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${seconds(v)} (${percent(v, r.wait.mean)})`);
  const overhead = r.paidCoreHours - r.jobCoreHours;
  const paid = Object.entries(r.paidBreakdown)
    .filter(([k, v]) => k !== "running jobs" && v >= 0.5)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v.toFixed(0)} (${percent(v, overhead)})`);
  return [
    `${r.policy}: mean wait ${seconds(r.wait.mean)} = ${wait.join(" + ") || "0"}`,
    `${r.policy}: paid beyond the jobs ${overhead.toFixed(0)} core-h = ${paid.join(" + ") || "0"}; ${r.unusedBoots} of ${r.boots} boots ran no job, ${r.cancelledBoots} deleted before they joined`,
  ];
}

/** One line per reason jobs were dropped: how many, their share, the largest, examples. */
export function droppedLines(report: PolicyReport): string[] {
  const { total } = report.trace;
  return Object.entries(report.trace.dropped).map(([reason, d]) => {
    const need = `${d.largest.cores} cores${d.largest.memoryMb === undefined ? "" : `, ${d.largest.memoryMb} MiB`}`;
    return `DROPPED ${d.jobs} job${d.jobs === 1 ? "" : "s"} (${percent(d.jobs, total.jobs)} of jobs, ${percent(d.coreHours, total.coreHours)} of core-hours): ${reason}; they need up to ${need}; e.g. jobs ${d.examples.join(", ")}`;
  });
}

function droppedTotals(report: PolicyReport): { jobs: number; coreHours: number } {
  let jobs = 0;
  let coreHours = 0;
  for (const d of Object.values(report.trace.dropped)) {
    jobs += d.jobs;
    coreHours += d.coreHours;
  }
  return { jobs, coreHours };
}

function percent(part: number, whole: number): string {
  if (whole <= 0) return "0%";
  const p = (100 * part) / whole;
  return `${p < 10 ? p.toFixed(1) : p.toFixed(0)}%`;
}

export function failuresText(r: RunMetrics): string {
  const f = r.failures;
  const parts: string[] = [];
  if (f.apiErrors) parts.push(`${f.apiErrors} api`);
  if (f.instanceErrors) parts.push(`${f.instanceErrors} ERROR`);
  if (f.neverJoined) parts.push(`${f.neverJoined} never-joined`);
  if (f.bootTimeouts) parts.push(`${f.bootTimeouts} boot-timeout`);
  if (f.cycleErrors) parts.push(`${f.cycleErrors} cycle`);
  if (f.retireFailures) parts.push(`${f.retireFailures} retire`);
  for (const [kind, n] of Object.entries(f.deploys).sort(([a], [b]) => (a < b ? -1 : 1)))
    parts.push(`${n} deploy (${kind})`);
  if (f.jobsEvicted) parts.push(`${f.jobsEvicted} JOBS EVICTED`);
  if (r.stalledAt !== undefined) parts.push("STALLED");
  return parts.length ? parts.join(", ") : "0";
}

/** Rows for the bench runner: one per policy and figure. */
export function benchRows(report: PolicyReport): { name: string; value: number; unit: string }[] {
  const rows: { name: string; value: number; unit: string }[] = [];
  const dropped = droppedTotals(report);
  rows.push(
    { name: "trace: jobs dropped (fit no VM type)", value: dropped.jobs, unit: "jobs" },
    { name: "trace: core-hours dropped", value: dropped.coreHours, unit: "core-h" },
  );
  for (const r of report.runs) {
    rows.push(
      { name: `${r.policy}: mean wait`, value: r.wait.mean, unit: "s" },
      { name: `${r.policy}: p95 wait`, value: r.wait.p95, unit: "s" },
      { name: `${r.policy}: paid VM core-hours`, value: r.paidCoreHours, unit: "core-h" },
      { name: `${r.policy}: utilisation (job / paid core-hours)`, value: r.utilisation, unit: "" },
      { name: `${r.policy}: peak workers`, value: r.peakWorkers, unit: "VMs" },
      { name: `${r.policy}: boots`, value: r.boots, unit: "VMs" },
      { name: `${r.policy}: drains`, value: r.drains, unit: "VMs" },
      {
        name: `${r.policy}: deploy ops that changed something`,
        value: r.deployOps.changing,
        unit: "ups",
      },
      { name: `${r.policy}: quota hits`, value: r.quotaHits, unit: "" },
    );
  }
  rows.push(
    { name: "bound: wait (median cold boot)", value: report.bounds.waitSeconds, unit: "s" },
    {
      name: "bound: paid core-hours (job core-hours)",
      value: report.bounds.paidCoreHours,
      unit: "core-h",
    },
    { name: "bound: utilisation", value: 1, unit: "" },
  );
  return rows;
}

function seconds(s: number): string {
  // Seconds up to 10 minutes: policies a few seconds apart must not print the same.
  if (s < 600) return `${s.toFixed(0)}s`;
  if (s < 7200) return `${(s / 60).toFixed(1)}m`;
  return `${(s / 3600).toFixed(1)}h`;
}
