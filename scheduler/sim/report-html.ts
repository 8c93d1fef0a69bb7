// A self-contained HTML page of a simulation: the policy table, what was dropped, a plot of wait
// against cost for every policy, where each policy's waiting and paid time went (stacked bars
// on one scale), and per policy step plots of jobs and workers over simulated time. Every time
// plot shares one time axis and every plot of a kind one y scale, so policies compare at a
// glance; legends stand beside their plots. No scripts, no CDN: it opens offline.
import { PAID_USES, WAIT_CAUSES } from "./accounting.js";
import type { RunMetrics, Series } from "./metrics.js";
import { droppedLines, type PolicyReport, policyTable } from "./report.js";

const PLOT_W = 760;
const LEGEND_W = 190;
const LEFT = 56;
const PALETTE = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#9467bd",
  "#ff7f0e",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

interface Line {
  label: string;
  values: number[];
  color: string;
}

export function reportHtml(report: PolicyReport, series: Record<string, Series>): string {
  const all = Object.values(series);
  const t0 = Math.min(...all.map((s) => s.t[0] ?? Number.POSITIVE_INFINITY));
  const t1 = Math.max(...all.map((s) => s.t[s.t.length - 1] ?? Number.NEGATIVE_INFINITY));
  const jobsMax = Math.max(1, ...all.flatMap((s) => [...s.idle, ...s.running]));
  const workersMax = Math.max(1, ...all.flatMap((s) => Object.values(s.workers).flat()));
  const sections = Object.entries(series).map(([policy, s]) => {
    const clouds = Object.keys(s.workers).sort();
    return `<section><h3>${escapeHtml(policy)}</h3>
${timePlot("jobs", s.t, t0, t1, jobsMax, [
  { label: "queued (idle)", values: s.idle, color: PALETTE[1] as string },
  { label: "running", values: s.running, color: PALETTE[2] as string },
])}
${timePlot(
  "workers per cloud",
  s.t,
  t0,
  t1,
  workersMax,
  clouds.map((c, i) => ({
    label: c,
    values: s.workers[c] ?? [],
    color: PALETTE[(i + 3) % PALETTE.length] as string,
  })),
)}
</section>`;
  });
  const dropped = droppedLines(report);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cloudscheduler simulation</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:12px}
svg{background:#fff;margin:.25em 0;display:block}h2{margin-top:1.6em}h3{margin:1.2em 0 .2em}.warn{color:#a00;font-weight:bold}
.plot{display:flex;align-items:flex-start}.legend{width:${LEGEND_W}px;font-size:13px;padding-top:1.2em}.legend div{margin:.2em 0}.sw{display:inline-block;width:.9em;height:.9em;margin-right:.4em;vertical-align:-1px}</style></head>
<body><h1>cloudscheduler simulation</h1>
${dropped.length > 0 ? `<p class="warn">${dropped.map(escapeHtml).join("<br>")}</p>` : ""}
<pre>${escapeHtml(policyTable(report))}</pre>
<h2>Wait against cost</h2>
${tradeoffPlot(report.runs, report.bounds.paidCoreHours, report.bounds.waitSeconds)}
<h2>Where the waiting went (mean seconds per job)</h2>
${stackedBars(
  report.runs,
  WAIT_CAUSES.map((k, i) => ({ key: k, color: PALETTE[i % PALETTE.length] as string })),
  (r, k) => r.waitBreakdown[k as keyof RunMetrics["waitBreakdown"]] ?? 0,
  (v) => formatSeconds(v),
)}
<h2>Where the paid time went (core-hours)</h2>
${stackedBars(
  report.runs,
  PAID_USES.map((k, i) => ({ key: k, color: PALETTE[(i + 2) % PALETTE.length] as string })),
  (r, k) => r.paidBreakdown[k as keyof RunMetrics["paidBreakdown"]] ?? 0,
  (v) => v.toFixed(0),
)}
<h2>Over time (one time axis; one scale per kind of plot)</h2>
${sections.join("\n")}
</body></html>
`;
}

function legend(items: { label: string; color: string }[]): string {
  return `<div class="legend">${items
    .map(
      (l) =>
        `<div><span class="sw" style="background:${l.color}"></span>${escapeHtml(l.label)}</div>`,
    )
    .join("")}</div>`;
}

function timePlot(
  title: string,
  t: number[],
  t0: number,
  t1: number,
  ymax: number,
  lines: Line[],
): string {
  const height = 170;
  const bottom = height - 22;
  const x = (v: number) => LEFT + ((v - t0) / Math.max(1, t1 - t0)) * (PLOT_W - LEFT - 10);
  const y = (v: number) => bottom - (v / ymax) * (bottom - 12);
  const paths = lines.map((l) => {
    let d = "";
    l.values.forEach((v, i) => {
      const xi = x(t[i] ?? t0).toFixed(1);
      d += i === 0 ? `M${xi},${y(v).toFixed(1)}` : `H${xi}V${y(v).toFixed(1)}`;
    });
    return `<path d="${d}" fill="none" stroke="${l.color}" stroke-width="1.2"><title>${escapeHtml(l.label)}</title></path>`;
  });
  const span = t1 - t0;
  const days = span / 86_400;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const label = days >= 2 ? `${(f * days).toFixed(1)} d` : `${((f * span) / 3600).toFixed(1)} h`;
    const xi = x(t0 + f * span);
    return `<line x1="${xi}" y1="${bottom}" x2="${xi}" y2="${bottom + 4}" stroke="#999"/><text x="${xi}" y="${height - 4}" font-size="11" text-anchor="middle">${label}</text>`;
  });
  return `<div class="plot"><div><strong>${escapeHtml(title)}</strong>
<svg width="${PLOT_W}" height="${height}" viewBox="0 0 ${PLOT_W} ${height}" role="img" aria-label="${escapeHtml(title)}">
<line x1="${LEFT}" y1="${bottom}" x2="${PLOT_W - 10}" y2="${bottom}" stroke="#999"/><line x1="${LEFT}" y1="12" x2="${LEFT}" y2="${bottom}" stroke="#999"/>
<text x="${LEFT - 6}" y="16" font-size="11" text-anchor="end">${ymax}</text><text x="${LEFT - 6}" y="${bottom}" font-size="11" text-anchor="end">0</text>
${ticks.join("")}
${paths.join("\n")}
</svg></div>${legend(lines)}</div>`;
}

/** Mean and p95 wait (y) against paid core-hours (x), one colour per policy, bounds dashed. */
function tradeoffPlot(runs: readonly RunMetrics[], costBound: number, waitBound: number): string {
  const height = 300;
  const bottom = height - 36;
  const costs = runs.map((r) => r.paidCoreHours);
  const waits = runs.flatMap((r) => [r.wait.mean, r.wait.p95]);
  const xmin = Math.min(costBound, ...costs) * 0.97;
  const xmax = Math.max(...costs) * 1.03;
  const ymax = Math.max(waitBound, ...waits) * 1.1 || 1;
  // Waits span minutes to hours: a log scale keeps every policy readable.
  const ymin = Math.max(1, Math.min(waitBound, ...waits.filter((w) => w > 0)) / 1.5);
  const x = (v: number) => LEFT + ((v - xmin) / Math.max(1e-9, xmax - xmin)) * (PLOT_W - LEFT - 20);
  const y = (v: number) =>
    bottom -
    ((Math.log(Math.max(v, ymin)) - Math.log(ymin)) / (Math.log(ymax) - Math.log(ymin))) *
      (bottom - 14);
  const items: { label: string; color: string }[] = [];
  const marks = runs.map((r, i) => {
    const color = PALETTE[i % PALETTE.length] as string;
    items.push({ label: `${r.policy}: ● mean, ▲ p95`, color });
    const cx = x(r.paidCoreHours);
    return `<line x1="${cx}" y1="${y(r.wait.mean)}" x2="${cx}" y2="${y(r.wait.p95)}" stroke="${color}" stroke-width="1"/>
<circle cx="${cx}" cy="${y(r.wait.mean)}" r="5" fill="${color}"><title>${escapeHtml(r.policy)}: mean ${formatSeconds(r.wait.mean)}, ${r.paidCoreHours.toFixed(0)} core-h</title></circle>
<path d="M${cx - 6},${y(r.wait.p95) + 5}L${cx + 6},${y(r.wait.p95) + 5}L${cx},${y(r.wait.p95) - 6}Z" fill="${color}"><title>${escapeHtml(r.policy)}: p95 ${formatSeconds(r.wait.p95)}</title></path>`;
  });
  items.push({ label: "bounds (no policy can cross)", color: "#999" });
  const yTicks = niceWaitTicks(ymin, ymax).map(
    (v) =>
      `<line x1="${LEFT - 4}" y1="${y(v)}" x2="${PLOT_W - 20}" y2="${y(v)}" stroke="#eee"/><text x="${LEFT - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end">${formatSeconds(v)}</text>`,
  );
  const xTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = xmin + f * (xmax - xmin);
    return `<text x="${x(v)}" y="${bottom + 16}" font-size="11" text-anchor="middle">${v.toFixed(0)}</text>`;
  });
  return `<div class="plot"><div><strong>wait (log scale) against paid core-hours: lower left is better</strong>
<svg width="${PLOT_W}" height="${height}" viewBox="0 0 ${PLOT_W} ${height}" role="img" aria-label="wait against cost">
${yTicks.join("")}
<line x1="${LEFT}" y1="${bottom}" x2="${PLOT_W - 20}" y2="${bottom}" stroke="#999"/><line x1="${LEFT}" y1="14" x2="${LEFT}" y2="${bottom}" stroke="#999"/>
<line x1="${x(costBound)}" y1="14" x2="${x(costBound)}" y2="${bottom}" stroke="#999" stroke-dasharray="4 3"/>
<line x1="${LEFT}" y1="${y(waitBound)}" x2="${PLOT_W - 20}" y2="${y(waitBound)}" stroke="#999" stroke-dasharray="4 3"/>
${xTicks.join("")}<text x="${(PLOT_W + LEFT) / 2}" y="${height - 4}" font-size="12" text-anchor="middle">paid core-hours</text>
${marks.join("\n")}
</svg></div>${legend(items)}</div>`;
}

/** One horizontal stacked bar per policy, all on one scale. */
function stackedBars(
  runs: readonly RunMetrics[],
  parts: { key: string; color: string }[],
  value: (r: RunMetrics, key: string) => number,
  format: (v: number) => string,
): string {
  const rowH = 26;
  const labelW = 120;
  const height = runs.length * rowH + 24;
  const totals = runs.map((r) => parts.reduce((n, p) => n + value(r, p.key), 0));
  const max = Math.max(1e-9, ...totals);
  const scale = (PLOT_W - labelW - 80) / max;
  const used = parts.filter((p) => runs.some((r) => value(r, p.key) > 0));
  const rows = runs.map((r, i) => {
    let xPos = labelW;
    const yPos = i * rowH + 4;
    const segs = used.map((p) => {
      const w = value(r, p.key) * scale;
      const seg = `<rect x="${xPos}" y="${yPos}" width="${Math.max(0, w)}" height="${rowH - 8}" fill="${p.color}"><title>${escapeHtml(`${r.policy}: ${p.key} ${format(value(r, p.key))}`)}</title></rect>`;
      xPos += w;
      return seg;
    });
    return `<text x="${labelW - 6}" y="${yPos + rowH / 2}" font-size="12" text-anchor="end">${escapeHtml(r.policy)}</text>${segs.join("")}<text x="${xPos + 4}" y="${yPos + rowH / 2}" font-size="11">${format(totals[i] ?? 0)}</text>`;
  });
  return `<div class="plot"><svg width="${PLOT_W}" height="${height}" viewBox="0 0 ${PLOT_W} ${height}" role="img">
${rows.join("\n")}
</svg>${legend(used.map((p) => ({ label: p.key, color: p.color })))}</div>`;
}

function niceWaitTicks(min: number, max: number): number[] {
  const candidates = [1, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400, 259200, 864000];
  return candidates.filter((v) => v >= min && v <= max);
}

function formatSeconds(s: number): string {
  if (s < 120) return `${s.toFixed(0)}s`;
  if (s < 7200) return `${(s / 60).toFixed(1)}m`;
  if (s < 172800) return `${(s / 3600).toFixed(1)}h`;
  return `${(s / 86400).toFixed(1)}d`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
