// The terminal view of a status snapshot: `cloudscheduler status` (summary tables) and
// `status -m` (every worker, like the classic `cloud_status -m`). Every string from jobs,
// condor or config passes through terminalSafe (via formatTable or safe()).
import { formatDuration } from "../config/duration.js";
import { formatProblem } from "../config/problem.js";
import { LIFECYCLE_STATES, type StatusSnapshot } from "./schema.js";
import { type Align, formatTable, terminalSafe } from "./text-table.js";

export interface TextOptions {
  /** List every worker (`-m`). */
  machines?: boolean;
}

export function formatStatus(s: StatusSnapshot, options: TextOptions = {}): string {
  const parts = [header(s), alerts(s), clouds(s)];
  if (options.machines) parts.push(machines(s));
  else parts.push(workersByType(s));
  parts.push(jobs(s), lastCycle(s));
  return `${parts.filter((p) => p.length > 0).join("\n\n")}\n`;
}

function header(s: StatusSnapshot): string {
  const revision = s.config.revision === undefined ? "none loaded" : safe(s.config.revision);
  const cycle = s.cycle
    ? `cycle ${s.cycle.number} at ${time(s.cycle.startedAt)}, took ${s.cycle.durationSeconds}s`
    : "no cycle yet";
  return `cloudscheduler status  config in force: ${revision}  ${cycle}`;
}

function alerts(s: StatusSnapshot): string {
  const lines: string[] = [];
  if (s.cycle?.error !== undefined) lines.push(`! last cycle failed: ${safe(s.cycle.error, 400)}`);
  const rejected = s.config.rejected;
  if (rejected) {
    lines.push(
      `! config ${safe(rejected.revision)} rejected at ${time(rejected.at)}; the last good config keeps running:`,
    );
    for (const p of rejected.problems) lines.push(`    ${safe(formatProblem(p), 400)}`);
  }
  if (s.config.syncError)
    lines.push(
      `! config repo sync failed at ${time(s.config.syncError.at)}: ${safe(s.config.syncError.message, 400)}`,
    );
  return lines.join("\n");
}

function clouds(s: StatusSnapshot): string {
  const rows = s.clouds.map((c) => [
    c.name,
    c.inConfig ? (c.enabled ? "yes" : "no") : "removed",
    c.backoff?.active
      ? `until ${time(c.backoff.until)} (${c.backoff.lastErrorKind ?? "error"} x${c.backoff.failures})`
      : "-",
    `${c.quota.instances.used}/${c.quota.instances.total}`,
    `${c.quota.cores.used}/${c.quota.cores.total}`,
    `${c.quota.ramMb.used}/${c.quota.ramMb.total}`,
    ...LIFECYCLE_STATES.map((state) => String(c.workers[state])),
  ]);
  const head = [
    "CLOUD",
    "ENABLED",
    "BACK-OFF",
    "INSTANCES",
    "CORES",
    "RAM MIB",
    ...LIFECYCLE_STATES.map((x) => x.toUpperCase()),
  ];
  const align: Align[] = [
    "left",
    "left",
    "left",
    "right",
    "right",
    "right",
    ...LIFECYCLE_STATES.map((): Align => "right"),
  ];
  return `CLOUDS\n${formatTable(head, rows, align)}`;
}

function workersByType(s: StatusSnapshot): string {
  const groups = new Map<string, Record<string, number>>();
  for (const w of s.workers) {
    const key = `${w.cloud}\u0000${w.vmType}`;
    const counts = groups.get(key) ?? Object.fromEntries(LIFECYCLE_STATES.map((x) => [x, 0]));
    counts[w.state] = (counts[w.state] ?? 0) + 1;
    groups.set(key, counts);
  }
  const rows = [...groups.entries()].map(([key, counts]) => {
    const [cloud = "", vmType = ""] = key.split("\u0000");
    return [cloud, vmType, ...LIFECYCLE_STATES.map((x) => String(counts[x] ?? 0))];
  });
  if (rows.length === 0) return "WORKERS\n(none)";
  const head = ["CLOUD", "VM TYPE", ...LIFECYCLE_STATES.map((x) => x.toUpperCase())];
  return `WORKERS\n${formatTable(head, rows, ["left", "left", ...LIFECYCLE_STATES.map((): Align => "right")])}`;
}

/** Like classic `cloud_status -m`: one line per worker. */
function machines(s: StatusSnapshot): string {
  if (s.workers.length === 0) return "WORKERS\n(none)";
  const notes = s.workers.some((w) => w.problem !== undefined);
  const rows = s.workers.map((w) => [
    w.name,
    w.machine ?? "-",
    w.vmType,
    w.state,
    w.cloud,
    formatDuration(w.ageSeconds),
    String(w.runningJobs),
    ...(notes ? [safe(w.problem ?? "", 120)] : []),
  ]);
  const head = [
    "ID",
    "HOSTNAME",
    "VMTYPE",
    "STATUS",
    "CLOUD",
    "AGE",
    "JOBS",
    ...(notes ? ["PROBLEM"] : []),
  ];
  const align = ["left", "left", "left", "left", "left", "right", "right", "left"] as const;
  let footer =
    s.unmanagedStartds > 0
      ? `\n(${s.unmanagedStartds} startd(s) in the pool not booted by cloudscheduler)`
      : "";
  for (const o of s.orphans) {
    footer += `\norphan server ${safe(o.name, 80)} (${o.id}, ${o.status}) on ${o.cloud}: in no pool for ${formatDuration(o.orphanSeconds)}${o.runningJobs > 0 ? `, runs ${o.runningJobs} job(s)` : ""}`;
  }
  return `WORKERS\n${formatTable(head, rows, [...align].slice(0, head.length))}${footer}`;
}

function jobs(s: StatusSnapshot): string {
  const j = s.jobs;
  const table = (title: string, rows: typeof j.byVmType) =>
    formatTable(
      [title, "IDLE", "RUNNING", "HELD"],
      rows.map((r) => [r.key, String(r.idle), String(r.running), String(r.held)]),
      ["left", "right", "right", "right"],
    );
  const lines = [`JOBS  ${j.total} total: ${j.idle} idle, ${j.running} running, ${j.held} held`];
  if (j.byVmType.length > 0)
    lines.push(table("VM TYPE", j.byVmType), "", table("OWNER", j.byOwner));
  return lines.join("\n");
}

function lastCycle(s: StatusSnapshot): string {
  if (!s.cycle) return "";
  const lines = ["LAST CYCLE"];
  for (const d of s.decisions) lines.push(`  ${safe(d.text, 400)}`);
  if (s.decisionsOmitted > 0) lines.push(`  ... and ${s.decisionsOmitted} more decisions`);
  if (s.rejectedJobs.count > 0) {
    lines.push(`  ${s.rejectedJobs.count} job(s) rejected, e.g.:`);
    for (const e of s.rejectedJobs.examples) lines.push(`    ${safe(e, 400)}`);
  }
  for (const r of s.retired)
    lines.push(`  retire ${r.worker} (${r.method}): ${safe(r.reason, 400)}`);
  for (const f of s.retireFailures) {
    lines.push(
      f.kind === "refused"
        ? `  retire ${f.worker} REFUSED by HTCondor (${f.reason ?? "?"}): ${safe(f.advice ?? f.error, 400)}${f.until ? `; asked again after ${time(f.until)}` : ""}`
        : `  retire ${f.worker} FAILED: ${safe(f.error, 400)}`,
    );
  }
  for (const r of s.recoveries) {
    lines.push(
      r.lockedBy
        ? `  stack ${r.cloud}: locked by a live operation (${safe(r.lockedBy, 200)}), not touched`
        : `  stack ${r.cloud}: recovered after a dead deploy (${r.killedProcesses} engine process(es) stopped, lock ${r.lockCleared ? "cleared" : "not held"}, ${r.interruptedCreates.length} interrupted create(s), ${r.pendingCleared} pending operation(s) settled)`,
    );
  }
  for (const d of s.deletedServers)
    lines.push(`  deleted orphan server ${safe(d.name, 80)} (${d.id}) on ${d.cloud}`);
  for (const e of s.inventoryErrors)
    lines.push(`  cannot list the servers of ${e.cloud}: ${safe(e.error, 300)}`);
  for (const d of s.deploys) {
    if (d.ok) {
      const c = d.changes;
      lines.push(`  deploy ${d.cloud}: ok${c ? ` (+${c.create} ~${c.update} -${c.delete})` : ""}`);
    } else {
      lines.push(
        `  deploy ${d.cloud}: FAILED ${d.errorKind ?? ""}: ${safe(d.error ?? "", 400)}${d.undone?.length ? ` (took back ${d.undone.join(", ")})` : ""}`,
      );
    }
  }
  for (const d of s.deploysInFlight)
    lines.push(
      `  deploy ${d.cloud}: ${d.state} since ${time(d.since)} (${d.purpose}, ${d.workers} worker(s), stack ${d.stack})`,
    );
  for (const cloud of s.destroyed) lines.push(`  destroyed the pool stack of ${cloud}`);
  if (s.cycle.commit) lines.push(`  committed ${s.cycle.commit}`);
  if (lines.length === 1) lines.push("  nothing to do");
  return lines.join("\n");
}

function safe(text: string, max = 200): string {
  return terminalSafe(text, max);
}

/** UTC, to the second: "2026-11-25 10:00:00Z". */
function time(seconds: number): string {
  return new Date(seconds * 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
}
