// One trace through ours and both baselines on identical simulated clouds (same seed, same
// behaviour), plus the bounds: the figures of `cloudscheduler simulate` and `npm run bench`.
import type { Config } from "../config/schema.js";
import { classicPlanner, staticPlanner, staticPoolSize } from "./baselines.js";
import { upSchedule } from "./deploy-timing.js";
import type { Series } from "./metrics.js";
import { medianOf } from "./random.js";
import { boundsOf, type PolicyReport } from "./report.js";
import { type CloudBehaviour, DEFAULT_BEHAVIOUR, type InstanceProgram } from "./sim-cloud.js";
import { type SimulationOptions, simulate } from "./simulate.js";
import type { Trace } from "./trace.js";
import { type ProcsPerCore, prepareReplay } from "./trace-site.js";

export const POLICIES = ["cloudscheduler", "static", "classic"] as const;
export type PolicyName = (typeof POLICIES)[number];

export interface CompareOptions {
  config: Config;
  trace: Trace;
  seed?: number;
  /** SWF processors per VM core (see README.md); "auto" fits the largest job. Default 1. */
  procsPerCore?: ProcsPerCore;
  /** Raise the config's quotas to the trace's peak demand (the bundled default site). */
  fitQuotas?: boolean;
  /** Unix seconds the trace starts at when it does not say. */
  start?: number;
  behaviour?: CloudBehaviour;
  /** Pool program for our policy's ups (the baselines trust the worker list). */
  program?: InstanceProgram;
  policies?: readonly PolicyName[];
  /** Print and parse HTCondor's JSON for one observation in this many (default 1: all). */
  condorJsonEvery?: number;
  onProgress?: (
    policy: string,
    progress: Parameters<NonNullable<SimulationOptions["onProgress"]>>[0],
  ) => void;
}

export interface Comparison {
  report: PolicyReport;
  series: Record<string, Series>;
}

export async function comparePolicies(options: CompareOptions): Promise<Comparison> {
  const { trace } = options;
  const replay = prepareReplay(trace, options.config, {
    procsPerCore: options.procsPerCore ?? 1,
    fitQuotas: options.fitQuotas ?? false,
    ...(options.start === undefined ? {} : { start: options.start }),
  });
  const { config, mapped } = replay;
  const behaviour = options.behaviour ?? DEFAULT_BEHAVIOUR;
  const runs = [];
  const series: Record<string, Series> = {};
  for (const policy of options.policies ?? POLICIES) {
    const common = {
      config,
      jobs: mapped.jobs,
      policy,
      seed: options.seed ?? 1,
      behaviour: () => behaviour,
      condorJsonEvery: options.condorJsonEvery ?? 1,
      onProgress: (p: Parameters<NonNullable<SimulationOptions["onProgress"]>>[0]) =>
        options.onProgress?.(policy, p),
    };
    const result =
      policy === "cloudscheduler"
        ? await simulate({ ...common, ...(options.program ? { program: options.program } : {}) })
        : policy === "static"
          ? await simulate({
              ...common,
              planner: staticPlanner(staticPoolSize(config, mapped.jobs)),
              stopWhenJobsDone: true,
            })
          : await simulate({ ...common, planner: classicPlanner() });
    runs.push(result.metrics);
    series[policy] = result.series;
  }
  return {
    report: {
      trace: {
        source: trace.source,
        jobs: mapped.jobs.length,
        skipped: trace.skipped,
        dropped: mapped.dropped,
        total: mapped.total,
        procsPerCore: replay.procsPerCore,
        notes: replay.notes,
      },
      runs,
      bounds: boundsOf(runs, coldStartSeconds(behaviour)),
    },
    series,
  };
}

/** Median time from a boot decision to a joined worker on an empty cloud: the cold-start bound. */
export function coldStartSeconds(behaviour: CloudBehaviour): number {
  const firstCreate = behaviour.timing ? upSchedule(behaviour.timing, 0, 1, 0).createAt(0) : 0;
  const active = behaviour.activeTime ? medianOf(behaviour.activeTime) : 0;
  return firstCreate + active + medianOf(behaviour.bootTime);
}
