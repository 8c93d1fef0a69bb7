// Job counts per VM type and per owner. Both keys are untrusted text from submit files, so the
// lists are bounded: the largest rows are kept and the rest folded into one "(others)" row.
import type { Job } from "../condor/types.js";
import type { JobCounts } from "./schema.js";

export const NO_VM_TYPE = "(none)";
export const OTHERS = "(others)";

export interface JobTotals {
  total: number;
  idle: number;
  running: number;
  held: number;
  byVmType: JobCounts[];
  byOwner: JobCounts[];
  foldedVmTypes: number;
  foldedOwners: number;
}

export function countJobs(jobs: readonly Job[], maxRows: number): JobTotals {
  const byVmType = new Map<string, JobCounts>();
  const byOwner = new Map<string, JobCounts>();
  const totals = { idle: 0, running: 0, held: 0 };
  for (const job of jobs) {
    const column = columnOf(job);
    if (column !== "other") totals[column] += 1;
    bump(byVmType, job.vmType ?? NO_VM_TYPE, column);
    bump(byOwner, job.owner, column);
  }
  const vmTypes = bounded(byVmType, maxRows);
  const owners = bounded(byOwner, maxRows);
  return {
    total: jobs.length,
    ...totals,
    byVmType: vmTypes.rows,
    byOwner: owners.rows,
    foldedVmTypes: vmTypes.folded,
    foldedOwners: owners.folded,
  };
}

type Column = "idle" | "running" | "held" | "other";

function columnOf(job: Job): Column {
  if (job.state === "idle" || job.state === "running" || job.state === "held") return job.state;
  return "other";
}

function bump(rows: Map<string, JobCounts>, key: string, column: Column): void {
  let row = rows.get(key);
  if (!row) {
    row = { key, idle: 0, running: 0, held: 0, other: 0 };
    rows.set(key, row);
  }
  row[column] += 1;
}

/** Largest first (ties by key), at most `maxRows` rows including the "(others)" row. */
function bounded(
  rows: Map<string, JobCounts>,
  maxRows: number,
): { rows: JobCounts[]; folded: number } {
  const sorted = [...rows.values()].sort((a, b) => sizeOf(b) - sizeOf(a) || compare(a.key, b.key));
  if (sorted.length <= maxRows) return { rows: sorted, folded: 0 };
  const kept = sorted.slice(0, Math.max(0, maxRows - 1));
  const rest = sorted.slice(kept.length);
  const others: JobCounts = { key: OTHERS, idle: 0, running: 0, held: 0, other: 0 };
  for (const row of rest) {
    others.idle += row.idle;
    others.running += row.running;
    others.held += row.held;
    others.other += row.other;
  }
  return { rows: [...kept, others], folded: rest.length };
}

function sizeOf(row: JobCounts): number {
  return row.idle + row.running + row.held + row.other;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
