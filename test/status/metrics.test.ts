// /metrics content, parsed by a strict Prometheus text-format parser, with asserted values.
import { describe, expect, it } from "vitest";
import { StatusMetrics } from "../../scheduler/status/metrics.js";
import { buildStatus } from "../../scheduler/status/snapshot.js";
import { parsePrometheusText, sampleValue } from "./prom-text.js";
import { exampleConfig, job, knownBackoff, knownConfigStatus, knownReport, NOW } from "./world.js";

const VM_TYPES = ["demo-vm", "four-core"];

function snapshotOf(report = knownReport()) {
  return buildStatus({
    now: NOW,
    config: exampleConfig(),
    configStatus: knownConfigStatus,
    cycle: { number: 1, report },
    world: knownReport(),
    backoff: knownBackoff,
  });
}

describe("StatusMetrics", () => {
  it("exposes jobs, workers, quota, cycle duration, deploys and config events", async () => {
    const metrics = new StatusMetrics();
    const report = knownReport();
    report.observation?.jobs.push(
      ...job("eve", "idle", "not-configured"),
      ...job("eve", "idle", 'x"}\n'),
    );
    metrics.recordCycle(report, snapshotOf(report), VM_TYPES);
    const failed = {
      ...knownReport(),
      observation: undefined,
      error: "observation failed, nothing changed this cycle: condor_q timed out",
      deploys: [],
      durationMs: 40_000,
    };
    metrics.recordCycle(failed, snapshotOf(failed), VM_TYPES);
    metrics.recordConfigEvent({ type: "config", config: exampleConfig(), revision: "a" });
    metrics.recordConfigEvent({ type: "rejected", revision: "b", problems: [] });
    metrics.recordConfigEvent({ type: "rejected", revision: "c", problems: [] });
    metrics.recordConfigEvent({ type: "sync-failed", error: new Error("no network") });

    const text = await metrics.text();
    const m = parsePrometheusText(text);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);

    expect(m.get("cloudscheduler_jobs")?.type).toBe("gauge");
    expect(sampleValue(m, "cloudscheduler_jobs", { state: "idle", vm_type: "demo-vm" })).toBe(4);
    expect(sampleValue(m, "cloudscheduler_jobs", { state: "running", vm_type: "demo-vm" })).toBe(2);
    expect(sampleValue(m, "cloudscheduler_jobs", { state: "running", vm_type: "four-core" })).toBe(
      1,
    );
    expect(sampleValue(m, "cloudscheduler_jobs", { state: "idle", vm_type: "four-core" })).toBe(0);
    expect(sampleValue(m, "cloudscheduler_jobs", { state: "held", vm_type: "_none" })).toBe(1);
    // Unconfigured (untrusted) VM types share one label value: no cardinality explosion.
    expect(sampleValue(m, "cloudscheduler_jobs", { state: "idle", vm_type: "_other" })).toBe(2);
    expect(text).not.toContain("not-configured");

    expect(sampleValue(m, "cloudscheduler_workers", { cloud: "alberta", state: "busy" })).toBe(1);
    expect(sampleValue(m, "cloudscheduler_workers", { cloud: "alberta", state: "booting" })).toBe(
      1,
    );
    expect(sampleValue(m, "cloudscheduler_workers", { cloud: "victoria", state: "failed" })).toBe(
      1,
    );
    expect(
      sampleValue(m, "cloudscheduler_quota_used", { cloud: "alberta", resource: "cores" }),
    ).toBe(10);
    expect(
      sampleValue(m, "cloudscheduler_quota_total", { cloud: "victoria", resource: "ram_mb" }),
    ).toBe(49152);
    expect(sampleValue(m, "cloudscheduler_cloud_backoff", { cloud: "victoria" })).toBe(1);

    expect(m.get("cloudscheduler_cycle_duration_seconds")?.type).toBe("histogram");
    expect(
      sampleValue(
        m,
        "cloudscheduler_cycle_duration_seconds",
        {},
        "cloudscheduler_cycle_duration_seconds_count",
      ),
    ).toBe(2);
    expect(
      sampleValue(
        m,
        "cloudscheduler_cycle_duration_seconds",
        {},
        "cloudscheduler_cycle_duration_seconds_sum",
      ),
    ).toBeCloseTo(41.234);
    expect(
      sampleValue(
        m,
        "cloudscheduler_cycle_duration_seconds",
        { le: "2.5" },
        "cloudscheduler_cycle_duration_seconds_bucket",
      ),
    ).toBe(1);
    expect(
      sampleValue(
        m,
        "cloudscheduler_cycle_duration_seconds",
        { le: "+Inf" },
        "cloudscheduler_cycle_duration_seconds_bucket",
      ),
    ).toBe(2);
    expect(sampleValue(m, "cloudscheduler_cycles_total", { result: "error" })).toBe(1);

    expect(
      sampleValue(m, "cloudscheduler_deploy_operations_total", { cloud: "alberta", result: "ok" }),
    ).toBe(1);
    expect(
      sampleValue(m, "cloudscheduler_deploy_operations_total", {
        cloud: "victoria",
        result: "failed",
      }),
    ).toBe(1);
    expect(
      sampleValue(m, "cloudscheduler_deploy_failures_total", {
        cloud: "victoria",
        class: "quota-exceeded",
      }),
    ).toBe(1);
    expect(sampleValue(m, "cloudscheduler_config_reloads_total")).toBe(1);
    expect(sampleValue(m, "cloudscheduler_config_rejections_total")).toBe(2);
    expect(sampleValue(m, "cloudscheduler_condor_errors_total", { operation: "observe" })).toBe(1);
    expect(sampleValue(m, "cloudscheduler_condor_errors_total", { operation: "retire" })).toBe(0);
  });

  it("stops reporting a cloud that left the snapshot", async () => {
    const metrics = new StatusMetrics();
    metrics.recordCycle(knownReport(), snapshotOf(), VM_TYPES);
    const gone = knownReport();
    gone.pools = { alberta: gone.pools?.alberta ?? [] };
    const config = exampleConfig();
    delete config.clouds.victoria;
    metrics.setGauges(
      buildStatus({
        now: NOW,
        config,
        configStatus: {},
        cycle: { number: 2, report: gone },
        backoff: [],
      }),
    );
    const m = parsePrometheusText(await metrics.text());
    expect(
      m.get("cloudscheduler_workers")?.samples.some((s) => s.labels.cloud === "victoria"),
    ).toBe(false);
    expect(sampleValue(m, "cloudscheduler_workers", { cloud: "alberta", state: "idle" })).toBe(1);
  });

  it("the test parser rejects malformed exposition", () => {
    expect(() => parsePrometheusText('# TYPE a gauge\na{x="1} 2\n')).toThrow(/bad label/);
    expect(() => parsePrometheusText("b 1\n")).toThrow(/undeclared/);
    expect(() => parsePrometheusText("# TYPE a gauge\na one\n")).toThrow(/not a number/);
  });
});
