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
  "cancel-unneeded": () => "cancelled (no longer needed)",
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
  /** The idle changes per cloud when the caller knows them (the plan pairs entries as it goes). */
  known?: IdleChanges,
): Record<string, string> {
  const summary: Record<string, string> = {};
  const byCloud = new Map<string, Decision[]>();
  for (const d of decisions) {
    if (d.cloud === undefined) continue;
    const list = byCloud.get(d.cloud);
    if (list === undefined) byCloud.set(d.cloud, [d]);
    else list.push(d);
  }
  for (const cloud of Object.keys(after).sort(compareText)) {
    if (samePool(before[cloud] ?? [], after[cloud] ?? [])) continue;
    const mine = byCloud.get(cloud) ?? [];
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
    const { nowIdle, nowBusy } =
      known === undefined
        ? idleChanges(before[cloud] ?? [], after[cloud] ?? [])
        : (known.get(cloud) ?? NO_IDLE_CHANGES);
    if (nowIdle > 0) parts.push(`${nowIdle} went idle`);
    if (nowBusy > 0) parts.push(`${nowBusy} busy again`);
    if (parts.length === 0) parts.push("update worker times");
    summary[cloud] = `${cloud}: ${parts.join("; ")}`;
  }
  return summary;
}

/** Per cloud: workers in both pools that went idle, and that went busy again. */
export type IdleChanges = ReadonlyMap<string, { nowIdle: number; nowBusy: number }>;

const NO_IDLE_CHANGES = { nowIdle: 0, nowBusy: 0 };

/**
 * How many workers in both lists went idle, and how many busy again. Pools are sorted by name
 * (the plan writes them so): walked side by side; in any other order, by a map of names.
 */
function idleChanges(
  before: readonly PoolWorker[],
  after: readonly PoolWorker[],
): { nowIdle: number; nowBusy: number } {
  let nowIdle = 0;
  let nowBusy = 0;
  const count = (was: PoolWorker, now: PoolWorker) => {
    if (was.idleSince === undefined && now.idleSince !== undefined) nowIdle++;
    else if (was.idleSince !== undefined && now.idleSince === undefined) nowBusy++;
  };
  if (sortedByName(before) && sortedByName(after)) {
    let i = 0;
    for (const now of after) {
      while (i < before.length && (before[i] as PoolWorker).name < now.name) i++;
      const was = before[i];
      if (was !== undefined && was.name === now.name) count(was, now);
    }
    return { nowIdle, nowBusy };
  }
  const byName = new Map<string, PoolWorker>();
  for (const w of before) byName.set(w.name, w);
  for (const now of after) {
    const was = byName.get(now.name);
    if (was !== undefined) count(was, now);
  }
  return { nowIdle, nowBusy };
}

/** Strictly ascending names. */
function sortedByName(workers: readonly PoolWorker[]): boolean {
  for (let i = 1; i < workers.length; i++) {
    if (!((workers[i - 1] as PoolWorker).name < (workers[i] as PoolWorker).name)) return false;
  }
  return true;
}

/**
 * Do the two lists serialize to the same JSON (what the pool file would hold)? Compared worker
 * by worker and field by field, without writing the text: most workers are the same object or
 * differ in a field, and a pool of thousands would otherwise be serialized twice per cycle.
 */
export function samePool(a: readonly PoolWorker[], b: readonly PoolWorker[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (!sameJson(a[i] as PoolWorker, b[i] as PoolWorker)) return false;
  }
  return true;
}

/** JSON.stringify(a) === JSON.stringify(b) for records of plain values. */
function sameJson(a: object, b: object): boolean {
  if (a === b) return true;
  if (a === null || b === null || hasToJson(a) || hasToJson(b)) {
    return JSON.stringify(a) === JSON.stringify(b);
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const xKeys = serializedKeys(x);
  const yKeys = serializedKeys(y);
  if (xKeys.length !== yKeys.length) return false;
  for (let i = 0; i < xKeys.length; i++) {
    const key = xKeys[i] as string;
    if (key !== yKeys[i] || !sameJsonValue(x[key], y[key])) return false;
  }
  return true;
}

function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === "function";
}

/** The keys JSON.stringify writes, in its order (undefined, functions and symbols are left out). */
function serializedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  for (const key of keys) {
    const value = record[key];
    const kind = typeof value;
    if (value === undefined || kind === "function" || kind === "symbol") {
      return keys.filter((k) => {
        const v = record[k];
        return v !== undefined && typeof v !== "function" && typeof v !== "symbol";
      });
    }
  }
  return keys;
}

function sameJsonValue(x: unknown, y: unknown): boolean {
  if (typeof x === typeof y) {
    if (typeof x === "string" || typeof x === "boolean") return x === y;
    if (typeof x === "number" && Number.isFinite(x) && Number.isFinite(y as number)) return x === y;
  }
  return JSON.stringify(x) === JSON.stringify(y);
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
