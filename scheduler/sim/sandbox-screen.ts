// The sandbox's status screen after each cycle: per cloud its workers and their states, the
// jobs idle / running / done, the cycle's decisions with reasons, and the pool commit.
import type { Config } from "../config/schema.js";
import { formatDecision } from "../plan/reasons.js";
import type { PoolWorker } from "../pool/types.js";
import type { CycleReport } from "../run/cycle.js";
import type { SimCloud } from "./sim-cloud.js";
import type { SimCondor } from "./sim-condor.js";

export interface ScreenInput {
  cycle: number;
  start: number;
  report: CycleReport;
  config: Config;
  pools: Record<string, PoolWorker[]>;
  condor: SimCondor;
  cloud: SimCloud;
  totalJobs: number;
}

export function sandboxScreen(s: ScreenInput): string {
  const elapsed = s.report.startedAt - s.start;
  const clock = `${String(Math.floor(elapsed / 3600)).padStart(2, "0")}:${String(Math.floor((elapsed % 3600) / 60)).padStart(2, "0")}:${String(elapsed % 60).padStart(2, "0")}`;
  const lines: string[] = [];
  lines.push(
    `cloudscheduler sandbox - cycle ${s.cycle}, simulated time +${clock}, config ${s.report.revision.slice(0, 7)}`,
  );
  lines.push(
    `jobs: ${s.condor.idleJobs} idle, ${s.condor.runningJobs} running, ${s.condor.counters.finished}/${s.totalJobs} done`,
  );
  const running = new Map(s.condor.startdsNow().map((d) => [d.workerName, d]));
  for (const cloudName of Object.keys(s.config.clouds).sort()) {
    const quota = s.config.clouds[cloudName]?.quota;
    const workers = s.pools[cloudName] ?? [];
    lines.push(
      `  ${cloudName} (quota ${quota?.instances} VMs / ${quota?.cores} cores): ${workers.length} worker(s)`,
    );
    for (const w of workers) {
      const startd = running.get(w.name);
      const status = s.cloud.statusOf(cloudName, w.name) ?? "not created";
      const doing = startd
        ? startd.running > 0
          ? `running ${startd.running} job(s)`
          : "idle"
        : "not in the pool yet";
      lines.push(`    ${w.name.padEnd(28)} ${w.state.padEnd(10)} VM ${status.padEnd(6)} ${doing}`);
    }
  }
  const decisions = (s.report.plan?.decisions ?? []).filter((d) => d.kind !== "not-ours");
  lines.push(decisions.length > 0 ? "decisions:" : "decisions: none");
  for (const d of decisions) lines.push(`  ${formatDecision(d)}`);
  for (const d of s.report.deploys) {
    if (d.ok && (d.changes?.create ?? 0) + (d.changes?.delete ?? 0) === 0) continue;
    lines.push(
      d.ok
        ? `deploy ${d.cloud}: +${d.changes?.create ?? 0} -${d.changes?.delete ?? 0} instance(s)`
        : `deploy ${d.cloud} FAILED (${d.errorKind}): ${d.error}`,
    );
  }
  if (s.report.commit) lines.push(`pool commit ${s.report.commit.slice(0, 7)}`);
  if (s.report.error) lines.push(`cycle error: ${s.report.error}`);
  return lines.join("\n");
}
