// A self-contained HTML page of a simulation: the policy table, what was dropped, a plot of wait
// against cost for every policy (with a close-up when some policies are too close to tell apart),
// where each policy's waiting and paid time went (stacked bars on one scale, and in words), and
// per policy step plots of jobs and workers over simulated time. Every plot's data area starts
// and ends at the same x, every time plot shares one time axis and every plot of a kind one y
// scale, so policies compare at a glance; legends stand beside their plots. No scripts, no CDN:
// it opens offline.
import { PAID_USES, WAIT_CAUSES } from "./accounting.js";
import type { RunMetrics, Series } from "./metrics.js";
import { droppedLines, type PolicyReport, policyTable } from "./report.js";

const PLOT_W = 760;
const LEGEND_W = 230;
/** Every plot's data area spans LEFT..PLOT_W - RIGHT, so their axes line up down the page. */
const LEFT = 110;
const RIGHT = 44;
const X_END = PLOT_W - RIGHT;
/** Markers closer than this (px) are moved apart, with a leader to their true place. */
const MARKER_GAP = 16;
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
.plot{display:flex;align-items:flex-start}.legend{width:${LEGEND_W}px;font-size:13px;padding-top:1.2em}.legend div{margin:.2em 0}.sw{display:inline-block;width:.9em;height:.9em;margin-right:.4em;vertical-align:-1px}.explain ul{margin:.2em 0 .6em}.explain p{margin:.3em 0}</style></head>
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
<h2>Where each policy's waiting and paid idle time come from</h2>
${explanations(report.runs)}
<h2>Over time (one time axis; one scale per kind of plot)</h2>
${sections.join("\n")}
</body></html>
`;
}

/** What each wait cause and paid use means, for the explanations (accounting.ts splits them). */
const MEANING: Record<string, string> = {
  "next cycle": "submitted, not yet seen by a cycle (a cycle runs every policy.cycle)",
  "held: quota": "seen, but the clouds' quotas had no room for a worker",
  "held: boots per cycle": "seen, but the cycle had booted policy.max_boots_per_cycle already",
  "held: back-off": "seen, but its cloud was backing off after a failed deploy",
  "held: max_instances": "seen, but its VM type was at max_instances",
  "held: ramp":
    "held on purpose: a busy worker of its type was expected to free up first (policy.ramp)",
  "held: policy": "seen, no worker ordered for another reason of the policy",
  deploy: "a worker was ordered; the pulumi up had not created it yet",
  boot: "its new worker was booting and registering with HTCondor",
  "busy workers": "it started on a worker that was already up, once that worker had room",
  booting: "VMs from their create request until they registered (every boot pays this)",
  "idle VM (keep-alive)":
    "registered VMs running no job: kept alive for the next job, or not yet retired",
  "idle cores of busy VMs": "cores of a VM its jobs did not use (a job smaller than its VM type)",
  draining: "VMs from the retire decision until their delete",
  "failed VMs": "VMs that went to ERROR or never joined",
};

/** Per policy, in words: what the mean wait and the paid time beyond the jobs were made of. */
function explanations(runs: readonly RunMetrics[]): string {
  const items = runs.map((r) => {
    const wait = Object.entries(r.waitBreakdown)
      .filter(([, v]) => v >= 0.5)
      .sort((a, b) => b[1] - a[1])
      .map(
        ([k, v]) =>
          `<li>${formatSeconds(v)} <b>${escapeHtml(k)}</b>: ${escapeHtml(MEANING[k] ?? "")}</li>`,
      );
    const overhead = r.paidCoreHours - r.jobCoreHours;
    const paid = Object.entries(r.paidBreakdown)
      .filter(([k, v]) => k !== "running jobs" && v >= 0.5)
      .sort((a, b) => b[1] - a[1])
      .map(
        ([k, v]) =>
          `<li>${v.toFixed(0)} core-h <b>${escapeHtml(k)}</b>: ${escapeHtml(MEANING[k] ?? "")}</li>`,
      );
    return `<h3>${escapeHtml(r.policy)}</h3>
<p>Mean wait ${formatSeconds(r.wait.mean)} (p95 ${formatSeconds(r.wait.p95)}), per job:</p><ul>${wait.join("") || "<li>none</li>"}</ul>
<p>Paid ${r.paidCoreHours.toFixed(0)} core-h, ${overhead.toFixed(0)} beyond the jobs' ${r.jobCoreHours.toFixed(0)}; ${r.boots} boots, ${r.unusedBoots} of which ran no job and ${r.cancelledBoots} were deleted before they joined:</p><ul>${paid.join("") || "<li>none</li>"}</ul>`;
  });
  return `<div class="explain">${items.join("\n")}</div>`;
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
  const x = (v: number) => LEFT + ((v - t0) / Math.max(1, t1 - t0)) * (X_END - LEFT);
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
    return `<line x1="${xi}" y1="${bottom}" x2="${xi}" y2="${bottom + 4}" stroke="#999"/>${axisLabel(xi, height - 4, label)}`;
  });
  const half = ymax / 2;
  return `<div class="plot"><svg width="${PLOT_W}" height="${height}" viewBox="0 0 ${PLOT_W} ${height}" role="img" aria-label="${escapeHtml(title)}">
<text x="${LEFT}" y="9" font-size="12" font-weight="bold">${escapeHtml(title)}</text>
<line x1="${LEFT}" y1="${bottom}" x2="${X_END}" y2="${bottom}" stroke="#999"/><line x1="${LEFT}" y1="12" x2="${LEFT}" y2="${bottom}" stroke="#999"/>
<line x1="${LEFT}" y1="${y(half)}" x2="${X_END}" y2="${y(half)}" stroke="#eee"/><line x1="${LEFT}" y1="${y(ymax)}" x2="${X_END}" y2="${y(ymax)}" stroke="#eee"/>
<text x="${LEFT - 6}" y="${y(ymax) + 4}" font-size="11" text-anchor="end">${ymax}</text><text x="${LEFT - 6}" y="${y(half) + 4}" font-size="11" text-anchor="end">${Number.isInteger(half) ? half : half.toFixed(1)}</text><text x="${LEFT - 6}" y="${bottom}" font-size="11" text-anchor="end">0</text>
${ticks.join("")}
${paths.join("\n")}
</svg>${legend(lines)}</div>`;
}

/** An x-axis label that stays inside the plot: the last one ends at its tick, none is clipped. */
function axisLabel(xPos: number, yPos: number, text: string): string {
  const anchor = xPos >= X_END - 1 ? "end" : "middle";
  return `<text x="${xPos}" y="${yPos}" font-size="11" text-anchor="${anchor}">${escapeHtml(text)}</text>`;
}

interface Mark {
  run: RunMetrics;
  color: string;
  /** Where the cost puts it, and where it is drawn (moved apart from a close neighbour). */
  trueX: number;
  x: number;
}

/**
 * Wait against cost: one plot of every policy, and a close-up of the cheapest ones when a far
 * costlier policy squeezes them together (they then differ by less than the plot can show).
 */
function tradeoffPlot(runs: readonly RunMetrics[], costBound: number, waitBound: number): string {
  const cheapest = Math.min(...runs.map((r) => r.paidCoreHours));
  const close = runs.filter((r) => r.paidCoreHours <= cheapest * 1.25);
  const plots = [tradeoffPanel(runs, runs, costBound, waitBound, "every policy")];
  if (close.length >= 2 && close.length < runs.length) {
    plots.push(
      tradeoffPanel(
        runs,
        close,
        costBound,
        waitBound,
        `close-up: the policies within 25% of the cheapest`,
        true,
      ),
    );
  }
  return plots.join("\n");
}

/** Mean (●) and p95 (▲) wait, log scale, against paid core-hours; bounds dashed. */
function tradeoffPanel(
  all: readonly RunMetrics[],
  runs: readonly RunMetrics[],
  costBound: number,
  waitBound: number,
  title: string,
  closeUp = false,
): string {
  const height = 300;
  const bottom = height - 36;
  const costs = runs.map((r) => r.paidCoreHours);
  const waits = runs.flatMap((r) => [r.wait.mean, r.wait.p95]);
  // The close-up spans its policies alone (the cost bound would squeeze them again).
  const lowCost = closeUp ? Math.min(...costs) : Math.min(costBound, ...costs);
  const highCost = Math.max(...costs);
  const pad = Math.max((highCost - lowCost) * 0.06, highCost * 0.002);
  const xmin = Math.max(0, lowCost - pad);
  const xmax = highCost + pad;
  const ymax = Math.max(waitBound, ...waits) * 1.25 || 1;
  // Waits span minutes to hours: a log scale keeps every policy readable.
  const ymin = Math.max(1, Math.min(waitBound, ...waits.filter((w) => w > 0)) / 1.5);
  const x = (v: number) => LEFT + ((v - xmin) / Math.max(1e-9, xmax - xmin)) * (X_END - LEFT);
  const y = (v: number) =>
    bottom -
    ((Math.log(Math.max(v, ymin)) - Math.log(ymin)) / (Math.log(ymax) - Math.log(ymin))) *
      (bottom - 14);
  const marks: Mark[] = runs.map((run) => {
    const color = PALETTE[all.indexOf(run) % PALETTE.length] as string;
    return { run, color, trueX: x(run.paidCoreHours), x: x(run.paidCoreHours) };
  });
  spreadMarks(marks);
  const drawn = marks.map(({ run: r, color, trueX, x: cx }) => {
    const leader =
      Math.abs(cx - trueX) > 0.5
        ? `<line x1="${trueX}" y1="${bottom}" x2="${cx}" y2="${y(r.wait.mean) + 6}" stroke="${color}" stroke-width="0.8" stroke-dasharray="2 2"/>`
        : "";
    const tip = `${r.policy}: mean ${formatSeconds(r.wait.mean)}, p95 ${formatSeconds(r.wait.p95)}, ${r.paidCoreHours.toFixed(0)} core-h`;
    return `${leader}<line x1="${trueX}" y1="${bottom}" x2="${trueX}" y2="${bottom + 5}" stroke="${color}" stroke-width="2"/>
<line x1="${cx}" y1="${y(r.wait.mean)}" x2="${cx}" y2="${y(r.wait.p95)}" stroke="${color}" stroke-width="1"/>
<circle cx="${cx}" cy="${y(r.wait.mean)}" r="5" fill="${color}"><title>${escapeHtml(tip)}</title></circle>
<path d="M${cx - 6},${y(r.wait.p95) + 5}L${cx + 6},${y(r.wait.p95) + 5}L${cx},${y(r.wait.p95) - 6}Z" fill="${color}"><title>${escapeHtml(tip)}</title></path>`;
  });
  const items = marks.map(({ run: r, color }) => ({
    label: `${r.policy}: ${formatSeconds(r.wait.mean)} mean, ${formatSeconds(r.wait.p95)} p95, ${r.paidCoreHours.toFixed(0)} core-h`,
    color,
  }));
  items.push({ label: "bounds (no policy can cross); ● mean, ▲ p95", color: "#999" });
  const yTicks = niceWaitTicks(ymin, ymax).map(
    (v) =>
      `<line x1="${LEFT - 4}" y1="${y(v)}" x2="${X_END}" y2="${y(v)}" stroke="#eee"/><text x="${LEFT - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end">${formatSeconds(v)}</text>`,
  );
  const xTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = xmin + f * (xmax - xmin);
    return axisLabel(x(v), bottom + 18, v.toFixed(0));
  });
  const costLine =
    costBound >= xmin
      ? `<line x1="${x(costBound)}" y1="14" x2="${x(costBound)}" y2="${bottom}" stroke="#999" stroke-dasharray="4 3"/>`
      : "";
  return `<div class="plot"><svg width="${PLOT_W}" height="${height}" viewBox="0 0 ${PLOT_W} ${height}" role="img" aria-label="wait against cost, ${escapeHtml(title)}">
<text x="${LEFT}" y="10" font-size="12" font-weight="bold">${escapeHtml(title)}: lower left is better</text>
${yTicks.join("")}
<line x1="${LEFT}" y1="${bottom}" x2="${X_END}" y2="${bottom}" stroke="#999"/><line x1="${LEFT}" y1="14" x2="${LEFT}" y2="${bottom}" stroke="#999"/>
${costLine}
<line x1="${LEFT}" y1="${y(waitBound)}" x2="${X_END}" y2="${y(waitBound)}" stroke="#999" stroke-dasharray="4 3"/>
${xTicks.join("")}<text x="${(X_END + LEFT) / 2}" y="${height - 2}" font-size="12" text-anchor="middle">paid core-hours</text>
<text x="16" y="${(bottom + 14) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${(bottom + 14) / 2})">wait (log scale)</text>
${drawn.join("\n")}
</svg>${legend(items)}</div>`;
}

/**
 * Moves markers that would overlap apart along x (left to right, each at least MARKER_GAP px
 * from the previous), keeping the group centred on its true places and inside the plot.
 */
export function spreadMarks(marks: { trueX: number; x: number }[]): void {
  const order = [...marks].sort((a, b) => a.trueX - b.trueX);
  let group: { trueX: number; x: number }[] = [];
  const place = () => {
    if (group.length > 1) {
      const centre = group.reduce((n, m) => n + m.trueX, 0) / group.length;
      let start = centre - ((group.length - 1) * MARKER_GAP) / 2;
      start = Math.min(Math.max(start, LEFT + 6), X_END - 6 - (group.length - 1) * MARKER_GAP);
      group.forEach((m, i) => {
        m.x = start + i * MARKER_GAP;
      });
    }
    group = [];
  };
  for (const m of order) {
    const last = group[group.length - 1];
    if (last !== undefined && m.trueX - last.trueX >= MARKER_GAP) place();
    group.push(m);
  }
  place();
}

/**
 * One horizontal stacked bar per policy, all on one scale. A total more than three times the
 * next largest would flatten every other bar: it is drawn broken (cut at the edge, marked //)
 * with its value, so the others stay readable.
 */
function stackedBars(
  runs: readonly RunMetrics[],
  parts: { key: string; color: string }[],
  value: (r: RunMetrics, key: string) => number,
  format: (v: number) => string,
): string {
  const rowH = 26;
  const height = runs.length * rowH + 8;
  const totals = runs.map((r) => parts.reduce((n, p) => n + value(r, p.key), 0));
  const sorted = [...totals].sort((a, b) => b - a);
  const largest = sorted[0] ?? 0;
  const next = sorted[1] ?? 0;
  const broken = next > 0 && largest > 3 * next;
  const max = Math.max(1e-9, broken ? next * 1.3 : largest);
  const scale = (X_END - LEFT) / max;
  const used = parts.filter((p) => runs.some((r) => value(r, p.key) > 0));
  const rows = runs.map((r, i) => {
    let xPos = LEFT;
    const yPos = i * rowH + 4;
    const segs = used.map((p) => {
      const w = Math.max(0, Math.min(value(r, p.key) * scale, X_END - xPos));
      const seg = `<rect x="${xPos}" y="${yPos}" width="${w}" height="${rowH - 8}" fill="${p.color}"><title>${escapeHtml(`${r.policy}: ${p.key} ${format(value(r, p.key))}`)}</title></rect>`;
      xPos += w;
      return seg;
    });
    const cut = (totals[i] ?? 0) * scale > X_END - LEFT + 0.5;
    const mark = cut
      ? `<path d="M${X_END - 14},${yPos + rowH - 6}L${X_END - 8},${yPos - 2}M${X_END - 8},${yPos + rowH - 6}L${X_END - 2},${yPos - 2}" stroke="#fff" stroke-width="3"/>`
      : "";
    const label = cut
      ? `<text x="${X_END - 18}" y="${yPos + rowH / 2}" font-size="11" text-anchor="end" fill="#fff" font-weight="bold">${format(totals[i] ?? 0)} (axis broken)</text>`
      : `<text x="${xPos + 4}" y="${yPos + rowH / 2}" font-size="11">${format(totals[i] ?? 0)}</text>`;
    return `<text x="${LEFT - 6}" y="${yPos + rowH / 2}" font-size="12" text-anchor="end">${escapeHtml(r.policy)}</text>${segs.join("")}${mark}${label}`;
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
