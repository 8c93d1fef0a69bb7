// Human text for a plan: one commit-message line per changed cloud, and a readable listing.
import type { PoolWorker } from "../pool/types.js";
import { compareText } from "./match.js";
import { duration, formatDecision, quote } from "./reasons.js";
import type { Decision, PlanResult } from "./types.js";

/** How a decision reads in a commit line, after "-N <vmtype> ". */
const REMOVAL_LABELS: Partial<Record<Decision["kind"], (seconds: number | undefined) => string>> = {
  "never-registered": (s) => `never registered within ${duration(s ?? 0)}`,
  vanished: () => "vanished",
  "server-gone": () => "server deleted outside cloudscheduler",
  failed: () => "failed",
  "create-interrupted": () => "create interrupted by a crash",
  drained: () => "drained",
  cancelled: () => "cancelled (cloud removed)",
  "retire-idle": (s) => `idle ${duration(s ?? 0)}`,
  "retire-cloud-removed": () => "idle on removed cloud",
  "retire-vm-type-removed": () => "idle of removed VM type",
  "retire-drifted": () => "drifted (launch settings changed)",
  "retire-unhealthy": () => "unhealthy (broken slot)",
};

/** "alberta: +3 demo-vm for 12 idle jobs; -1 demo-vm idle 10m", per cloud whose pool changed. */
export function summarize(
  before: Record<string, readonly PoolWorker[]>,
  after: Record<string, readonly PoolWorker[]>,
  decisions: readonly Decision[],
): Record<string, string> {
  const summary: Record<string, string> = {};
  for (const cloud of Object.keys(after).sort(compareText)) {
    const mine = decisions.filter((d) => d.cloud === cloud);
    const changed = JSON.stringify(before[cloud] ?? []) !== JSON.stringify(after[cloud]);
    if (!changed) continue;
    const parts: string[] = [];
    for (const d of mine) if (d.kind === "boot") parts.push(d.reason.replace(/^boot /, "+"));
    const removals = new Map<string, { count: number; vmType: string; label: string }>();
    for (const d of mine) {
      const label = REMOVAL_LABELS[d.kind];
      if (!label) continue;
      const text = label(d.seconds);
      const key = `${d.vmType}|${text}`;
      const entry = removals.get(key) ?? { count: 0, vmType: d.vmType ?? "?", label: text };
      entry.count += d.workers?.length ?? 1;
      removals.set(key, entry);
    }
    for (const key of [...removals.keys()].sort(compareText)) {
      const { count, vmType, label } = removals.get(key) as {
        count: number;
        vmType: string;
        label: string;
      };
      parts.push(`-${count} ${vmType} ${label}`);
    }
    const registered = mine.filter((d) => d.kind === "registered").length;
    if (registered > 0) parts.push(`${registered} registered`);
    const unconfirmed = mine.filter((d) => d.kind === "retire-unconfirmed").length;
    if (unconfirmed > 0) parts.push(`${unconfirmed} retire not confirmed, back in service`);
    const external = mine.filter((d) => d.kind === "drained-externally").length;
    if (external > 0) parts.push(`${external} drained outside cloudscheduler`);
    if (mine.some((d) => d.kind === "stack-empty"))
      parts.push("pool empty, stack can be destroyed");
    const wasIdle = new Map((before[cloud] ?? []).map((w) => [w.name, w.idleSince !== undefined]));
    const nowIdle = (after[cloud] ?? []).filter(
      (w) => wasIdle.get(w.name) === false && w.idleSince !== undefined,
    );
    const nowBusy = (after[cloud] ?? []).filter(
      (w) => wasIdle.get(w.name) === true && w.idleSince === undefined,
    );
    if (nowIdle.length > 0) parts.push(`${nowIdle.length} went idle`);
    if (nowBusy.length > 0) parts.push(`${nowBusy.length} busy again`);
    if (parts.length === 0) parts.push("update worker times");
    summary[cloud] = `${cloud}: ${parts.join("; ")}`;
  }
  return summary;
}

/** A multi-line account of the plan for `plan --dry-run` style output and logs. */
export function describePlan(result: PlanResult): string {
  const lines: string[] = [];
  const clouds = Object.keys(result.summary).sort(compareText);
  lines.push(clouds.length === 0 ? "no pool changes" : "pool changes:");
  for (const cloud of clouds) lines.push(`  ${result.summary[cloud]}`);
  if (result.retire.length > 0) {
    lines.push("retire:");
    for (const r of result.retire)
      lines.push(`  ${r.cloud}: ${r.method} ${r.worker} (${quote(r.machine)}): ${r.reason}`);
  }
  if (result.decisions.length > 0) {
    lines.push("decisions:");
    for (const d of result.decisions) lines.push(`  ${formatDecision(d)}`);
  }
  if (result.rejectedJobs.length > 0) lines.push(`rejected jobs: ${result.rejectedJobs.length}`);
  return lines.join("\n");
}
