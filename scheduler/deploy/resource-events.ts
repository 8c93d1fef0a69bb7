// What one `pulumi up` did to each worker, from the engine's per-resource events (the Automation
// API's onEvent): which worker creates failed and why (the diagnostic the engine printed for that
// resource), and the change counts of the summary. With `continueOnError` the engine goes on
// after a refused create, so an up that fails only because some workers were refused is a
// partial success: those workers are taken back, the others stand.
import type { EngineEvent, OpMap } from "@pulumi/pulumi/automation/index.js";
import { classifyDeployError, type DeployErrorKind } from "./errors.js";
import { scrubSecrets } from "./scrub.js";

/** The pool program's server resource type. */
export const WORKER_TYPE = "openstack:compute/instance:Instance";

/** A worker whose operation the cloud refused. */
export interface RefusedWorker {
  name: string;
  /** What the engine was doing: create, delete, update, replace. */
  op: string;
  kind: DeployErrorKind;
  /** The engine's diagnostic for that resource, scrubbed and shortened. */
  message: string;
}

const MAX_MESSAGE = 400;

/**
 * The kinds a cloud gives one worker's request (a quota, a flavor or image it refuses, a server
 * gone to ERROR). Anything else (credentials, Keystone or the API unreachable, secrets, a lock)
 * fails every worker alike: that is the whole stack failing, not a set of refused workers.
 */
const PER_WORKER_KINDS: ReadonlySet<DeployErrorKind> = new Set([
  "quota-exceeded",
  "program",
  "server-state",
]);

export class ResourceEventLog {
  private readonly errorsByUrn = new Map<string, string[]>();
  private readonly failed: { urn: string; type: string; op: string }[] = [];
  private summary: OpMap | undefined;

  constructor(
    private readonly cloud: string,
    private readonly secrets: readonly string[] = [],
  ) {}

  add(event: EngineEvent): void {
    const diag = event.diagnosticEvent;
    if (diag?.urn && diag.severity === "error") {
      const list = this.errorsByUrn.get(diag.urn) ?? [];
      list.push(diag.message);
      this.errorsByUrn.set(diag.urn, list);
    }
    const failure = event.resOpFailedEvent;
    if (failure) {
      this.failed.push({
        urn: failure.metadata.urn,
        type: failure.metadata.type,
        op: String(failure.metadata.op),
      });
    }
    if (event.summaryEvent) this.summary = event.summaryEvent.resourceChanges;
  }

  /** The summary's change counts (undefined until the engine sent it). */
  changes(): OpMap | undefined {
    return this.summary;
  }

  /** True when some resource failed and every failed resource is a worker server. */
  onlyWorkersFailed(): boolean {
    return this.failed.length > 0 && this.failed.every((f) => f.type === WORKER_TYPE);
  }

  /**
   * True when the update failed only because the cloud refused some workers' own requests
   * (per-worker kinds): the rest of the update stands and those workers alone are taken back.
   */
  onlyWorkersRefused(): boolean {
    return this.onlyWorkersFailed() && this.refused().every((r) => PER_WORKER_KINDS.has(r.kind));
  }

  refused(): RefusedWorker[] {
    const seen = new Set<string>();
    const refused: RefusedWorker[] = [];
    for (const f of this.failed) {
      if (f.type !== WORKER_TYPE || seen.has(f.urn)) continue;
      seen.add(f.urn);
      const text = (this.errorsByUrn.get(f.urn) ?? []).join("\n").trim();
      const classified = classifyDeployError(new Error(text || "refused"), this.cloud);
      // The engine wraps the provider's error: "1 error occurred:\n\t* creating ...: <why>".
      const lines = text
        .split("\n")
        .map((l) => l.replace(/^[\s*]+/, "").trim())
        .filter((l) => l !== "" && !/^\d+ errors? occurred:?$/.test(l));
      const message = scrubSecrets(lines.join(" "), this.secrets).trim();
      refused.push({
        name: f.urn.slice(f.urn.lastIndexOf("::") + 2),
        op: f.op,
        kind: classified.kind,
        message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message,
      });
    }
    return refused.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
