// Prometheus metrics on their own prom-client Registry (never the global one, so two daemons in
// one process — tests, the sandbox — do not collide). Gauges are rebuilt from each snapshot, so a
// cloud or VM type that disappears stops being reported. Labels only ever hold names from the
// config (clouds, VM types) or fixed words: job text is untrusted and would explode cardinality.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { CycleReport } from "../run/cycle.js";
import type { ConfigEvent } from "../watch/config-watch.js";
import { LIFECYCLE_STATES, type StatusSnapshot } from "./schema.js";

export const METRIC_PREFIX = "cloudscheduler_";

/** vm_type label of jobs whose VM type is not in the config (config names never start with _). */
export const OTHER_VM_TYPE = "_other";
/** vm_type label of jobs without +VMType. */
export const NO_VM_TYPE = "_none";

export class StatusMetrics {
  readonly registry = new Registry();
  private readonly jobs: Gauge;
  private readonly workers: Gauge;
  private readonly quotaUsed: Gauge;
  private readonly quotaTotal: Gauge;
  private readonly backoff: Gauge;
  private readonly cycleDuration: Histogram;
  private readonly cycles: Counter;
  private readonly deployOperations: Counter;
  private readonly deployFailures: Counter;
  private readonly configReloads: Counter;
  private readonly configRejections: Counter;
  private readonly condorErrors: Counter;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const p = METRIC_PREFIX;
    this.jobs = new Gauge({
      name: `${p}jobs`,
      help: "Jobs in the queue by state and VM type.",
      labelNames: ["state", "vm_type"],
      registers,
    });
    this.workers = new Gauge({
      name: `${p}workers`,
      help: "Workers by cloud and lifecycle state.",
      labelNames: ["cloud", "state"],
      registers,
    });
    this.quotaUsed = new Gauge({
      name: `${p}quota_used`,
      help: "Quota used by the cloud's worker pool (instances, cores, ram_mb).",
      labelNames: ["cloud", "resource"],
      registers,
    });
    this.quotaTotal = new Gauge({
      name: `${p}quota_total`,
      help: "Quota the config gives the cloud.",
      labelNames: ["cloud", "resource"],
      registers,
    });
    this.backoff = new Gauge({
      name: `${p}cloud_backoff`,
      help: "1 while the cloud is in deploy back-off.",
      labelNames: ["cloud"],
      registers,
    });
    this.cycleDuration = new Histogram({
      name: `${p}cycle_duration_seconds`,
      help: "Wall-clock duration of scheduler cycles.",
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
      registers,
    });
    this.cycles = new Counter({
      name: `${p}cycles_total`,
      help: "Completed cycles by result.",
      labelNames: ["result"],
      registers,
    });
    this.deployOperations = new Counter({
      name: `${p}deploy_operations_total`,
      help: "Pool stack operations by cloud and result.",
      labelNames: ["cloud", "result"],
      registers,
    });
    this.deployFailures = new Counter({
      name: `${p}deploy_failures_total`,
      help: "Failed pool stack operations by cloud and error class.",
      labelNames: ["cloud", "class"],
      registers,
    });
    this.configReloads = new Counter({
      name: `${p}config_reloads_total`,
      help: "New valid configs taken into use.",
      registers,
    });
    this.configRejections = new Counter({
      name: `${p}config_rejections_total`,
      help: "Config changes rejected as invalid.",
      registers,
    });
    this.condorErrors = new Counter({
      name: `${p}condor_errors_total`,
      help: "Failed HTCondor operations (observe: condor_q/condor_status; retire: condor_drain/condor_off).",
      labelNames: ["operation"],
      registers,
    });
    for (const operation of ["observe", "retire"]) this.condorErrors.inc({ operation }, 0);
    this.cycles.inc({ result: "ok" }, 0);
    this.cycles.inc({ result: "error" }, 0);
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: p });
  }

  /** Counters from a cycle's report, gauges from the snapshot built of it. */
  recordCycle(
    report: CycleReport,
    snapshot: StatusSnapshot,
    configVmTypes: readonly string[],
  ): void {
    if (report.durationMs !== undefined) this.cycleDuration.observe(report.durationMs / 1000);
    const observed = report.observation !== undefined;
    this.cycles.inc({ result: report.error === undefined ? "ok" : "error" });
    if (!observed && report.error !== undefined) this.condorErrors.inc({ operation: "observe" });
    if (report.retireFailures.length > 0)
      this.condorErrors.inc({ operation: "retire" }, report.retireFailures.length);
    for (const deploy of report.deploys) {
      this.deployOperations.inc({ cloud: deploy.cloud, result: deploy.ok ? "ok" : "failed" });
      if (!deploy.ok)
        this.deployFailures.inc({ cloud: deploy.cloud, class: deploy.errorKind ?? "unknown" });
    }
    for (const cloud of report.destroyed) this.deployOperations.inc({ cloud, result: "destroyed" });
    if (observed) this.setJobs(report, configVmTypes);
    this.setGauges(snapshot);
  }

  recordConfigEvent(event: ConfigEvent): void {
    if (event.type === "config") this.configReloads.inc();
    else if (event.type === "rejected") this.configRejections.inc();
  }

  /** Clouds, quotas and back-off before the first cycle (and after config changes). */
  setGauges(snapshot: StatusSnapshot): void {
    this.workers.reset();
    this.quotaUsed.reset();
    this.quotaTotal.reset();
    this.backoff.reset();
    for (const cloud of snapshot.clouds) {
      for (const state of LIFECYCLE_STATES)
        this.workers.set({ cloud: cloud.name, state }, cloud.workers[state]);
      for (const [resource, usage] of [
        ["instances", cloud.quota.instances],
        ["cores", cloud.quota.cores],
        ["ram_mb", cloud.quota.ramMb],
      ] as const) {
        this.quotaUsed.set({ cloud: cloud.name, resource }, usage.used);
        this.quotaTotal.set({ cloud: cloud.name, resource }, usage.total);
      }
      this.backoff.set({ cloud: cloud.name }, cloud.backoff?.active ? 1 : 0);
    }
  }

  /** Text exposition format, for GET /metrics. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private setJobs(report: CycleReport, configVmTypes: readonly string[]): void {
    const known = new Set(configVmTypes);
    const counts = new Map<string, number>();
    for (const job of report.observation?.jobs ?? []) {
      const vmType =
        job.vmType === undefined ? NO_VM_TYPE : known.has(job.vmType) ? job.vmType : OTHER_VM_TYPE;
      const key = `${job.state}\u0000${vmType}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    this.jobs.reset();
    for (const vmType of configVmTypes) {
      for (const state of ["idle", "running", "held"]) this.jobs.set({ state, vm_type: vmType }, 0);
    }
    for (const [key, count] of counts) {
      const [state = "", vmType = ""] = key.split("\u0000");
      this.jobs.set({ state, vm_type: vmType }, count);
    }
  }
}
