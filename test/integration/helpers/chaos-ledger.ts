// The chaos test's bookkeeping, kept pure so its rules are tested on their own
// (test/integration/helpers/chaos-ledger.test.ts): which jobs were lost or ran twice, which
// scheduler action hit a worker while a job ran on it, which server name was live twice at once.
//
// Rules (stated once, used by the test and its report):
// - A job is lost unless HTCondor's history holds it exactly once, completed (JobStatus 4),
//   started exactly once (NumJobStarts 1). The chaos test kills no VM a job runs on (a server
//   reset to ERROR keeps its VM, as Nova's reset-state does), so no restart is excused.
// - A worker was busy at a moment when a job's run on it spans that moment for sure: from the
//   second after its start second to its completion second (history, 1 s resolution), or two
//   condor_q samples on either side of the moment show the same run (same start) on it.
// - A drain or delete of a busy worker counts once per (worker, kind).

export interface HistoryJob {
  /** "cluster.proc" */
  job: string;
  jobStatus: number;
  numJobStarts: number;
  /** The worker of its last run (from LastRemoteHost), if any. */
  worker: string | undefined;
  /** Unix seconds of its last run's start and its completion. */
  startedAt: number | undefined;
  completedAt: number | undefined;
}

export interface QueueSample {
  /** ms since the epoch */
  at: number;
  running: { job: string; worker: string | undefined; startedAt: number }[];
}

export interface WorkerAction {
  kind: "drain" | "delete";
  worker: string;
  /** ms since the epoch; the action happened within [from, to]. */
  from: number;
  to: number;
  /** Where the action was seen: the scheduler's log, the pool's git history, Nova. */
  source: string;
}

export interface ServerSample {
  at: number;
  servers: { id: string; name: string; status: string }[];
}

export interface JobFigures {
  /** Submitted jobs not completed exactly once. */
  lost: string[];
  /** Jobs HTCondor started more than once (counted in `lost` too). */
  restarted: string[];
}

/** The worker a RemoteHost / LastRemoteHost names ("slot1_1@<worker>.<domain>"). */
export function workerOfHost(host: unknown, domain: string): string | undefined {
  if (typeof host !== "string") return undefined;
  const machine = host.slice(host.lastIndexOf("@") + 1);
  const suffix = `.${domain}`;
  return machine.endsWith(suffix) ? machine.slice(0, -suffix.length) : undefined;
}

export function jobFigures(
  submitted: readonly string[],
  history: readonly HistoryJob[],
): JobFigures {
  const lost: string[] = [];
  const restarted: string[] = [];
  for (const job of submitted) {
    const records = history.filter((h) => h.job === job);
    const [only] = records;
    if (records.length > 1 || (only && only.numJobStarts > 1)) restarted.push(job);
    if (records.length !== 1 || only?.jobStatus !== 4 || only.numJobStarts !== 1) lost.push(job);
  }
  return { lost, restarted };
}

/** The job that ran on `worker` for the whole of [from, to], or undefined. */
export function busyDuring(
  worker: string,
  from: number,
  to: number,
  history: readonly HistoryJob[],
  samples: readonly QueueSample[],
): string | undefined {
  for (const h of history) {
    if (h.worker !== worker || h.startedAt === undefined || h.completedAt === undefined) continue;
    if ((h.startedAt + 1) * 1000 <= from && to < h.completedAt * 1000) return h.job;
  }
  const before = samples.filter((s) => s.at <= from);
  const after = samples.filter((s) => s.at >= to);
  for (const early of before) {
    for (const run of early.running) {
      if (run.worker !== worker) continue;
      const same = (r: QueueSample["running"][number]) =>
        r.job === run.job && r.worker === worker && r.startedAt === run.startedAt;
      if (after.some((late) => late.running.some(same))) return run.job;
    }
  }
  return undefined;
}

/** Actions that hit a busy worker, once per (worker, kind), with the job that ran there. */
export function busyActions(
  actions: readonly WorkerAction[],
  history: readonly HistoryJob[],
  samples: readonly QueueSample[],
): (WorkerAction & { job: string })[] {
  const hits = new Map<string, WorkerAction & { job: string }>();
  for (const action of actions) {
    const key = `${action.kind}:${action.worker}`;
    if (hits.has(key)) continue;
    const job = busyDuring(action.worker, action.from, action.to, history, samples);
    if (job !== undefined) hits.set(key, { ...action, job });
  }
  return [...hits.values()];
}

/** Names two live servers (not DELETED) carried in one look at the cloud. */
export function duplicateNames(samples: readonly ServerSample[]): string[] {
  const names = new Set<string>();
  for (const sample of samples) {
    const seen = new Set<string>();
    for (const server of sample.servers) {
      if (server.status === "DELETED") continue;
      if (seen.has(server.name)) names.add(server.name);
      seen.add(server.name);
    }
  }
  return [...names].sort();
}
