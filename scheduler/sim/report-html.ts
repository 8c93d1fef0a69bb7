// A self-contained HTML page of a simulation: the policy table and, per policy, inline SVG step
// plots of queued (idle) jobs, running jobs and workers per cloud over simulated time. No
// scripts, no CDN: it opens offline.
import type { Series } from "./metrics.js";
import { type PolicyReport, policyTable } from "./report.js";

const WIDTH = 900;
const HEIGHT = 180;
const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

export function reportHtml(report: PolicyReport, series: Record<string, Series>): string {
  const sections = Object.entries(series).map(([policy, s]) => {
    const clouds = Object.keys(s.workers).sort();
    return `<section><h2>${escapeHtml(policy)}</h2>
${plot("jobs", s.t, [
  { label: "queued (idle)", values: s.idle, color: PALETTE[1] as string },
  { label: "running", values: s.running, color: PALETTE[2] as string },
])}
${plot(
  "workers per cloud",
  s.t,
  clouds.map((c, i) => ({
    label: c,
    values: s.workers[c] ?? [],
    color: PALETTE[(i + 3) % PALETTE.length] as string,
  })),
)}
</section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cloudscheduler simulation</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}pre{background:#f6f6f6;padding:1em;overflow-x:auto}
svg{background:#fff;border:1px solid #ddd;margin:.5em 0}h2{margin-top:2em}.legend span{margin-right:1.5em}</style></head>
<body><h1>cloudscheduler simulation</h1>
<pre>${escapeHtml(policyTable(report))}</pre>
${sections.join("\n")}
</body></html>
`;
}

interface Line {
  label: string;
  values: number[];
  color: string;
}

function plot(title: string, t: number[], lines: Line[]): string {
  const t0 = t[0] ?? 0;
  const t1 = t[t.length - 1] ?? t0 + 1;
  const ymax = Math.max(1, ...lines.flatMap((l) => l.values));
  const x = (v: number) => 40 + ((v - t0) / Math.max(1, t1 - t0)) * (WIDTH - 50);
  const y = (v: number) => HEIGHT - 20 - (v / ymax) * (HEIGHT - 35);
  const paths = lines.map((l) => {
    let d = "";
    l.values.forEach((v, i) => {
      const xi = x(t[i] ?? t0).toFixed(1);
      d += i === 0 ? `M${xi},${y(v).toFixed(1)}` : `H${xi}V${y(v).toFixed(1)}`;
    });
    return `<path d="${d}" fill="none" stroke="${l.color}" stroke-width="1.2"><title>${escapeHtml(l.label)}</title></path>`;
  });
  const days = (t1 - t0) / 86_400;
  const legend = lines
    .map((l) => `<span style="color:${l.color}">&#9632; ${escapeHtml(l.label)}</span>`)
    .join("");
  return `<div><strong>${escapeHtml(title)}</strong> <span class="legend">${legend}</span>
<svg width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(title)}">
<line x1="40" y1="${HEIGHT - 20}" x2="${WIDTH - 10}" y2="${HEIGHT - 20}" stroke="#999"/><line x1="40" y1="10" x2="40" y2="${HEIGHT - 20}" stroke="#999"/>
<text x="2" y="18" font-size="11">${ymax}</text><text x="2" y="${HEIGHT - 22}" font-size="11">0</text>
<text x="40" y="${HEIGHT - 4}" font-size="11">0</text><text x="${WIDTH - 90}" y="${HEIGHT - 4}" font-size="11">${days >= 2 ? `${days.toFixed(1)} days` : `${((t1 - t0) / 3600).toFixed(1)} hours`}</text>
${paths.join("\n")}
</svg></div>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
