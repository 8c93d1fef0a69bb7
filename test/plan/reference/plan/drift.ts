// Drift: a worker booted with launch settings that have changed since (token, CONDOR_HOST,
// template, image, network, key pair...). The pool program never replaces a server in place
// (ignoreChanges), so drift is healed here: idle drifted workers are drained and replaced, at
// most policy.disruption_budget of a cloud's workers at a time (Karpenter's disruption budget),
// oldest first. A busy worker is never disturbed; it is replaced once it goes idle.
import type { PolicyConfig } from "../../../../scheduler/config/schema.js";
import type { PoolWorker } from "../../../../scheduler/pool/types.js";
import type { StateWorker } from "../../../../scheduler/state/types.js";
import { compareText } from "./match.js";

/** Workers of a cloud with `poolSize` workers that may be disrupted at once (at least 1). */
export function disruptionBudget(policy: PolicyConfig, poolSize: number): number {
  const budget = policy.disruption_budget;
  if (typeof budget === "number") return budget;
  const percent = Number(budget.slice(0, -1));
  return Math.max(1, Math.floor((poolSize * percent) / 100));
}

export interface DriftCandidate {
  cloud: string;
  worker: PoolWorker;
  state: StateWorker;
  /** May be drained now: registered, observed, idle, with no other reason to go. */
  eligible: boolean;
}

export interface DriftPick {
  /** Names of the drifted workers to drain this cycle. */
  drain: Set<string>;
  /** Per cloud: the budget and how much of it drains already in flight use. */
  budgets: Map<string, { budget: number; inFlight: number }>;
}

/**
 * Which drifted workers to drain now: per cloud, the budget minus the drifted workers already
 * draining, taken from the idle, registered, drifted ones (oldest first, then by name).
 */
export function pickDriftReplacements(
  candidates: readonly DriftCandidate[],
  policy: PolicyConfig,
  poolSizes: ReadonlyMap<string, number>,
): DriftPick {
  const drain = new Set<string>();
  const budgets = new Map<string, { budget: number; inFlight: number }>();
  const idleByCloud = new Map<string, DriftCandidate[]>();
  for (const c of candidates) {
    if (!c.state.drifted) continue;
    let entry = budgets.get(c.cloud);
    if (!entry) {
      entry = { budget: disruptionBudget(policy, poolSizes.get(c.cloud) ?? 0), inFlight: 0 };
      budgets.set(c.cloud, entry);
    }
    if (c.worker.state === "draining") entry.inFlight += 1;
    else if (c.eligible) {
      const list = idleByCloud.get(c.cloud) ?? [];
      list.push(c);
      idleByCloud.set(c.cloud, list);
    }
  }
  for (const [cloud, list] of idleByCloud) {
    const entry = budgets.get(cloud) as { budget: number; inFlight: number };
    list.sort(
      (a, b) =>
        a.worker.createdAt - b.worker.createdAt || compareText(a.worker.name, b.worker.name),
    );
    const room = Math.max(0, entry.budget - entry.inFlight);
    for (const c of list.slice(0, room)) drain.add(c.worker.name);
  }
  return { drain, budgets };
}
