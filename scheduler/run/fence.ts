// Step 3b of a cycle: a worker the plan deletes before it joined (booting, or failed without
// ever being seen) has no startd to drain, so nothing but a fence keeps a job off it between
// this decision and the delete: a startd that joined meanwhile would take a job and be deleted
// with it. Before the commit, the fence makes sure none of them can join any more and says
// which had joined already: those go back into the pool as they were (retired the normal way
// later), and if the fence cannot be made sure, all of them do. Without a fence (tests of
// other steps) workers leave as the plan says.
import { compareText } from "../plan/match.js";
import type { Decision } from "../plan/types.js";
import type { PoolWorker } from "../pool/types.js";
import type { CycleDeps, CycleReport } from "./cycle.js";

export interface FenceOutcome {
  pools: Record<string, PoolWorker[]>;
  decisions: Decision[];
}

/** Workers deleted before they joined: never seen by HTCondor. */
function unjoined(worker: PoolWorker): boolean {
  return (worker.state === "booting" || worker.state === "failed") && worker.machine === undefined;
}

export async function fenceUnjoined(
  deps: Pick<CycleDeps, "fence" | "log">,
  before: Readonly<Record<string, readonly PoolWorker[]>>,
  after: Record<string, PoolWorker[]>,
  decisions: Decision[],
  now: number,
  report: CycleReport,
): Promise<FenceOutcome> {
  // A worker whose server is gone has nothing left to delete: no fence needed.
  const serverless = new Set(
    decisions.filter((d) => d.kind === "server-gone").flatMap((d) => d.workers ?? []),
  );
  const leaving: { cloud: string; worker: PoolWorker }[] = [];
  for (const [cloud, workers] of Object.entries(before)) {
    const staying = new Set((after[cloud] ?? []).map((w) => w.name));
    for (const worker of workers) {
      if (staying.has(worker.name) || serverless.has(worker.name) || !unjoined(worker)) continue;
      leaving.push({ cloud, worker });
    }
  }
  if (leaving.length === 0 || deps.fence === undefined) return { pools: after, decisions };

  const names = leaving.map((l) => l.worker.name);
  let kept: ReadonlySet<string>;
  let why: string;
  let kind: Decision["kind"];
  try {
    kept = await deps.fence.close(names, now);
    kind = "fence-joined";
    why =
      "it joined the pool before it could be fenced: kept (it may run a job), retired the normal way";
    report.fence = { closed: names.filter((n) => !kept.has(n)), kept: [...kept] };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    kept = new Set(names);
    kind = "fence-failed";
    why = `could not make sure it cannot join before its delete: kept, decided again next cycle (${message})`;
    report.fence = { closed: [], kept: names, error: message };
    deps.log.warn(
      { workers: names, err: message },
      "join fence failed; the workers stay as they were",
    );
  }
  if (kept.size === 0) return { pools: after, decisions };

  const pools: Record<string, PoolWorker[]> = { ...after };
  const extra: Decision[] = [];
  for (const { cloud, worker } of leaving) {
    if (!kept.has(worker.name)) continue;
    pools[cloud] = [...(pools[cloud] ?? []), worker].sort((a, b) => compareText(a.name, b.name));
    extra.push({
      kind,
      cloud,
      vmType: worker.vmType,
      workers: [worker.name],
      reason: why,
    });
    deps.log.info({ decision: kind, cloud, workers: [worker.name] }, why);
  }
  // The plan's removal of a kept worker did not happen: its decision is taken back.
  const left = decisions.filter(
    (d) => !(d.workers?.length === 1 && kept.has(d.workers[0] as string) && REMOVALS.has(d.kind)),
  );
  return { pools, decisions: [...left, ...extra] };
}

/** Decisions that take a never-joined worker out of its pool. */
const REMOVALS = new Set<Decision["kind"]>([
  "cancel-unneeded",
  "cancelled",
  "never-registered",
  "failed",
  "create-interrupted",
]);
