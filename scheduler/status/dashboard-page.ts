// The dashboard: one self-contained HTML page (no CDN: sites run it without internet). Its script
// polls /api/status and /api/history and builds every element with textContent, so job owners,
// VM types and reasons (untrusted text) are always shown as text, never parsed as markup. The
// inline style and script carry the per-response CSP nonce.

export function dashboardPage(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cloudscheduler status</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<header>
  <h1>cloudscheduler</h1>
  <span class="meta">config <code id="revision">…</code></span>
  <span class="meta" id="cycle">waiting for the first cycle</span>
  <span class="meta" id="updated"></span>
</header>
<main>
  <div id="alerts"></div>
  <section>
    <h2>Clouds</h2>
    <table id="clouds"><thead><tr><th>Cloud</th><th>Enabled</th><th>Back-off</th><th class="num">Instances</th><th class="num">Cores</th><th class="num">RAM (MiB)</th><th class="num">Booting</th><th class="num">Registered</th><th class="num">Busy</th><th class="num">Idle</th><th class="num">Draining</th><th class="num">Failed</th><th class="num">Running jobs</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="plots">
    <div class="plot-head"><h2>History</h2>
      <label>last <select id="hours"><option value="1">1 h</option><option value="6" selected>6 h</option><option value="24">24 h</option><option value="48">48 h</option></select></label>
    </div>
    <figure><figcaption>Jobs</figcaption><svg id="plot-jobs" viewBox="0 0 600 220" role="img" aria-label="idle and running jobs over time"></svg></figure>
    <figure><figcaption>Workers per cloud</figcaption><svg id="plot-workers" viewBox="0 0 600 220" role="img" aria-label="workers per cloud over time"></svg></figure>
  </section>
  <section>
    <h2>Workers <span class="count" id="worker-count"></span></h2>
    <table id="workers"><thead><tr><th>Name</th><th>Machine</th><th>VM type</th><th>State</th><th>Cloud</th><th class="num">Age</th><th class="num">Running jobs</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="two">
    <div><h2>Jobs by VM type</h2><table id="jobs-vmtype"><thead><tr><th>VM type</th><th class="num">Idle</th><th class="num">Running</th><th class="num">Held</th></tr></thead><tbody></tbody></table></div>
    <div><h2>Jobs by owner</h2><table id="jobs-owner"><thead><tr><th>Owner</th><th class="num">Idle</th><th class="num">Running</th><th class="num">Held</th></tr></thead><tbody></tbody></table></div>
  </section>
  <section class="two">
    <div><h2>Last cycle's decisions</h2><ul id="decisions" class="log"></ul></div>
    <div><h2>Decision log</h2><ol id="events" class="log"></ol></div>
  </section>
</main>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`;
}

const STYLE = `
:root { --bg:#f6f7f9; --card:#fff; --ink:#1d2330; --muted:#5d6678; --line:#dde1e8;
  --booting:#d99a00; --registered:#6b7fd7; --busy:#1f9d55; --idle:#3b82c4; --draining:#9b59b6; --failed:#d64545; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:var(--ink); }
header { display:flex; flex-wrap:wrap; gap:1.2em; align-items:baseline; padding:.8em 1.5em; background:#1d2330; color:#fff; }
header h1 { font-size:1.2em; margin:0; }
header .meta { color:#c9d1e0; } header code { color:#fff; }
main { padding: 1em 1.5em; display:grid; gap:1em; }
section { background:var(--card); border:1px solid var(--line); border-radius:6px; padding:.8em 1em; }
section.two { display:grid; grid-template-columns: 1fr 1fr; gap:1.5em; }
section.plots { display:grid; grid-template-columns: 1fr 1fr; gap:1em; }
.plot-head { grid-column: 1 / -1; display:flex; justify-content:space-between; align-items:baseline; }
h2 { font-size:1em; margin:.2em 0 .6em; }
.count { color:var(--muted); font-weight:normal; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:.25em .6em; border-bottom:1px solid var(--line); white-space:nowrap; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
th { color:var(--muted); font-weight:600; }
.state { display:inline-block; padding:0 .5em; border-radius:1em; color:#fff; font-size:.9em; }
.state.booting { background:var(--booting); } .state.registered { background:var(--registered); }
.state.busy { background:var(--busy); } .state.idle { background:var(--idle); }
.state.draining { background:var(--draining); } .state.failed { background:var(--failed); }
.bad { color:var(--failed); font-weight:600; } .ok { color:var(--busy); }
.alert { border-left:4px solid var(--failed); background:#fff4f4; padding:.5em .8em; margin-bottom:.5em; white-space:pre-wrap; }
figure { margin:0; } figcaption { color:var(--muted); margin-bottom:.3em; }
svg { width:100%; height:auto; background:#fbfcfd; border:1px solid var(--line); }
svg text { font-size:11px; fill:var(--muted); }
.log { margin:0; padding-left:1.2em; max-height:18em; overflow:auto; font-family: ui-monospace, monospace; font-size:12px; }
.log li { margin:.15em 0; } .log time { color:var(--muted); margin-right:.6em; }
.empty { color:var(--muted); font-style:italic; }
`;

// Plain ES2017 in the page: no build step, no template literals (this file is one).
const SCRIPT = `
"use strict";
var COLORS = ["#3b82c4", "#1f9d55", "#d99a00", "#9b59b6", "#d64545", "#6b7fd7", "#16a2a2", "#8a6d3b"];
var SVGNS = "http://www.w3.org/2000/svg";
var lastCycle = -1, historyAt = 0;

function $(id) { return document.getElementById(id); }
function el(tag, cls, children) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  (children || []).forEach(function (c) { e.append(c instanceof Node ? c : document.createTextNode(String(c))); });
  return e;
}
function svg(tag, attrs, text) {
  var e = document.createElementNS(SVGNS, tag);
  Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
  if (text !== undefined) e.textContent = text;
  return e;
}
function td(value, num) { return el("td", num ? "num" : "", [value]); }
function fill(tableId, rows) {
  var body = $(tableId).tBodies[0];
  body.replaceChildren.apply(body, rows.length ? rows : [el("tr", "", [el("td", "empty", ["none"])])]);
}
function when(t) { return new Date(t * 1000).toISOString().replace("T", " ").replace(/\\.\\d+Z$/, "Z"); }
function clock(t) { return new Date(t * 1000).toISOString().slice(11, 19); }
function age(s) {
  if (s < 60) return s + "s";
  var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
  return d ? d + "d " + h + "h" : h ? h + "h " + m + "m" : m + "m " + (s % 60) + "s";
}
function stateBadge(state) { var b = el("span", "state", [state]); b.classList.add(state); return b; }
function usage(u) { return u.used + " / " + u.total; }

function renderStatus(s) {
  $("revision").textContent = s.config.revision ? s.config.revision.slice(0, 12) : "none";
  $("cycle").textContent = s.cycle
    ? "cycle " + s.cycle.number + " at " + when(s.cycle.startedAt) + ", took " + s.cycle.durationSeconds + "s"
    : "waiting for the first cycle";
  $("updated").textContent = "updated " + new Date().toLocaleTimeString();

  var alerts = [];
  if (s.cycle && s.cycle.error) alerts.push("Last cycle failed: " + s.cycle.error);
  if (s.config.rejected) {
    alerts.push("Config " + s.config.rejected.revision + " rejected, the last good config keeps running:\\n" +
      s.config.rejected.problems.map(function (p) { return p.file + ":" + p.line + ":" + p.column + " " + p.path + ": " + p.message; }).join("\\n"));
  }
  if (s.config.syncError) alerts.push("Config repo sync failed: " + s.config.syncError.message);
  $("alerts").replaceChildren.apply($("alerts"), alerts.map(function (a) { return el("div", "alert", [a]); }));

  fill("clouds", s.clouds.map(function (c) {
    var off = c.backoff && c.backoff.active
      ? el("span", "bad", ["until " + clock(c.backoff.until) + " (" + (c.backoff.lastErrorKind || "error") + ", " + c.backoff.failures + " failures)"])
      : "-";
    var row = el("tr", "", [td(c.name), el("td", c.enabled ? "ok" : "bad", [c.enabled ? "yes" : "no"]), el("td", "", [off]),
      td(usage(c.quota.instances), true), td(usage(c.quota.cores), true), td(usage(c.quota.ramMb), true),
      td(c.workers.booting, true), td(c.workers.registered, true), td(c.workers.busy, true), td(c.workers.idle, true),
      td(c.workers.draining, true), td(c.workers.failed, true), td(c.runningJobs, true)]);
    row.dataset.cloud = c.name;
    return row;
  }));

  $("worker-count").textContent = "(" + s.workers.length + ")";
  fill("workers", s.workers.map(function (w) {
    var state = el("td", "", [stateBadge(w.state)]);
    if (w.problem) { state.title = w.problem; state.appendChild(el("span", "bad", [" !"])); }
    var row = el("tr", "", [td(w.name), td(w.machine || "-"), td(w.vmType), state,
      td(w.cloud), td(age(w.ageSeconds), true), td(w.runningJobs, true)]);
    row.dataset.worker = w.name;
    row.dataset.state = w.state;
    return row;
  }));

  function jobRows(list) {
    return list.map(function (r) { return el("tr", "", [td(r.key), td(r.idle, true), td(r.running, true), td(r.held, true)]); });
  }
  fill("jobs-vmtype", jobRows(s.jobs.byVmType));
  fill("jobs-owner", jobRows(s.jobs.byOwner));

  var items = s.decisions.map(function (d) { return el("li", "", [d.text]); });
  if (s.decisionsOmitted) items.push(el("li", "empty", ["… and " + s.decisionsOmitted + " more"]));
  s.deploys.forEach(function (d) {
    items.push(el("li", d.ok ? "" : "bad", [d.cloud + ": deploy " + (d.ok ? "ok" : "failed: " + (d.errorKind || "") + " " + (d.error || ""))]));
  });
  (s.deploysInFlight || []).forEach(function (d) {
    items.push(el("li", "", [d.cloud + ": deploy " + d.state + " (" + d.workers + " workers, stack " + d.stack + ")"]));
  });
  $("decisions").replaceChildren.apply($("decisions"), items.length ? items : [el("li", "empty", ["no decisions"])]);
}

function plot(id, series) {
  var box = $(id), W = 600, H = 220, L = 40, R = 10, T = 26, B = 24;
  box.replaceChildren();
  var all = [];
  series.forEach(function (s) { s.points.forEach(function (p) { all.push(p); }); });
  if (!all.length) { box.append(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "no history yet")); return; }
  var t0 = Math.min.apply(null, all.map(function (p) { return p.t; }));
  var t1 = Math.max.apply(null, all.map(function (p) { return p.t; }));
  var top = Math.max(1, Math.max.apply(null, all.map(function (p) { return p.v; })));
  function x(t) { return L + (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0)) * (W - L - R); }
  function y(v) { return H - B - (v / top) * (H - T - B); }
  [0, 0.5, 1].forEach(function (f) {
    var v = Math.round(top * f);
    box.append(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#e4e7ec" }));
    box.append(svg("text", { x: L - 4, y: y(v) + 4, "text-anchor": "end" }, String(v)));
  });
  box.append(svg("text", { x: L, y: H - 6 }, clock(t0)));
  box.append(svg("text", { x: W - R, y: H - 6, "text-anchor": "end" }, clock(t1)));
  series.forEach(function (s, i) {
    var color = COLORS[i % COLORS.length];
    var pts = s.points.map(function (p) { return x(p.t).toFixed(1) + "," + y(p.v).toFixed(1); }).join(" ");
    if (s.points.length === 1) box.append(svg("circle", { cx: x(s.points[0].t), cy: y(s.points[0].v), r: 3, fill: color }));
    else box.append(svg("polyline", { points: pts, fill: "none", stroke: color, "stroke-width": 2 }));
    box.append(svg("rect", { x: L + i * 110, y: 6, width: 10, height: 10, fill: color }));
    box.append(svg("text", { x: L + 14 + i * 110, y: 15 }, s.name));
  });
}

function renderHistory(h) {
  plot("plot-jobs", [
    { name: "idle", points: h.jobs.map(function (p) { return { t: p.time, v: p.idle }; }) },
    { name: "running", points: h.jobs.map(function (p) { return { t: p.time, v: p.running }; }) },
  ]);
  plot("plot-workers", h.clouds.map(function (c) {
    return { name: c.cloud, points: c.points.map(function (p) { return { t: p.time, v: p.total }; }) };
  }));
  var events = h.events.map(function (e) {
    return el("li", e.kind.indexOf("fail") >= 0 || e.kind === "config-rejected" ? "bad" : "", [el("time", "", [when(e.time)]), e.text]);
  });
  $("events").replaceChildren.apply($("events"), events.length ? events : [el("li", "empty", ["nothing yet"])]);
}

function getJson(url) {
  return fetch(url, { headers: { accept: "application/json" }, cache: "no-store" }).then(function (r) {
    if (!r.ok) throw new Error(url + ": HTTP " + r.status);
    return r.json();
  });
}
function refreshHistory() {
  historyAt = Date.now();
  return getJson("/api/history?hours=" + encodeURIComponent($("hours").value)).then(renderHistory);
}
function tick() {
  getJson("/api/status").then(function (s) {
    renderStatus(s);
    var n = s.cycle ? s.cycle.number : 0;
    if (n !== lastCycle || Date.now() - historyAt > 15000) { lastCycle = n; return refreshHistory(); }
  }).catch(function (err) {
    $("updated").textContent = "cannot reach the scheduler: " + err.message;
  }).then(function () { setTimeout(tick, 2000); });
}
$("hours").addEventListener("change", refreshHistory);
tick();
`;
