// The scheduler's PoolDeployer: the real deployer (AutomationDeployer) run on a worker thread of
// its own (deploy-thread.ts). Pulumi's inline pool program runs in the process that calls the
// Automation API; on the scheduler's own event loop, declaring a shard's servers and handling the
// engine's events stalled the cycle for over a second while another cloud deployed. On its own
// thread the cycle keeps its period. Calls, answers, errors (same classes), cancellation and log
// lines cross as messages (thread-protocol.ts). A thread that dies fails its calls in flight with
// a clear error and is started again by the next call.
import { Worker } from "node:worker_threads";
import type { DeployLogger } from "./automation-deployer.js";
import type { DeployThreadData } from "./deploy-thread.js";
import { ProgramError } from "./errors.js";
import {
  type DeployMethod,
  errorFromWire,
  inputToWire,
  type ThreadReply,
  type ThreadRequest,
} from "./thread-protocol.js";
import type {
  DeployedInstance,
  DeployResult,
  PoolDeployer,
  PoolStackInput,
  RecoveryReport,
} from "./types.js";

export interface ThreadDeployerOptions extends DeployThreadData {
  logger?: DeployLogger;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  cloud: string | undefined;
}

export class ThreadDeployer implements PoolDeployer {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly options: ThreadDeployerOptions) {}

  up(input: PoolStackInput, signal?: AbortSignal): Promise<DeployResult> {
    return this.call("up", [inputToWire(input)], input.cloudName, signal);
  }

  preview(input: PoolStackInput, signal?: AbortSignal): Promise<DeployResult["changes"]> {
    return this.call("preview", [inputToWire(input)], input.cloudName, signal);
  }

  instances(cloudName: string): Promise<DeployedInstance[]> {
    return this.call("instances", [cloudName], cloudName);
  }

  destroy(cloudName: string, signal?: AbortSignal): Promise<void> {
    return this.call("destroy", [cloudName], cloudName, signal);
  }

  unfinished(): Promise<string[]> {
    return this.call("unfinished", [], undefined);
  }

  recover(cloudName: string, signal?: AbortSignal): Promise<RecoveryReport> {
    return this.call("recover", [cloudName], cloudName, signal);
  }

  /** Stops the thread (its calls in flight fail). The next call would start a new one. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private call<T>(
    method: DeployMethod,
    args: unknown[],
    cloud: string | undefined,
    signal?: AbortSignal,
  ): Promise<T> {
    const worker = this.thread();
    const id = this.nextId++;
    const post = (request: ThreadRequest) => worker.postMessage(request);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => post({ type: "abort", id });
      const settle = () => {
        signal?.removeEventListener("abort", onAbort);
        this.pending.delete(id);
        // An idle thread does not keep the process alive.
        if (this.pending.size === 0) worker.unref();
      };
      this.pending.set(id, {
        resolve: (value) => {
          settle();
          resolve(value as T);
        },
        reject: (err) => {
          settle();
          reject(err);
        },
        cloud,
      });
      worker.ref();
      post({ type: "call", id, method, args, cancellable: signal !== undefined });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** The running thread, started on first use (or after the last one died). */
  private thread(): Worker {
    if (this.worker) return this.worker;
    const { options, factory } = this.options;
    // A plain copy of the environment: process.env itself is not a plain object.
    const env = options.env ? { ...options.env } : undefined;
    const data: DeployThreadData = {
      options: { ...options, ...(env ? { env } : {}) },
      ...(factory ? { factory } : {}),
    };
    const worker = new Worker(...threadEntry(data));
    worker.on("message", (reply: ThreadReply) => this.receive(reply));
    worker.on("error", (err) => this.died(worker, `it threw: ${err.message}`));
    worker.on("exit", (code) => this.died(worker, `it exited with code ${code}`));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private receive(reply: ThreadReply): void {
    if (reply.type === "log") {
      this.options.logger?.[reply.level](reply.fields, reply.message);
      return;
    }
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    if (reply.type === "result") pending.resolve(reply.value);
    else pending.reject(errorFromWire(reply.error));
  }

  private died(worker: Worker, why: string): void {
    if (this.worker === worker) this.worker = undefined;
    for (const pending of [...this.pending.values()]) {
      pending.reject(
        new ProgramError({
          ...(pending.cloud !== undefined ? { cloud: pending.cloud } : {}),
          detail: `the deploy thread stopped (${why}); the next deploy starts a new one`,
        }),
      );
    }
  }
}

/**
 * The thread's script: the compiled deploy-thread.js beside this module in dist/, or, when
 * running from sources, the TypeScript entry through tsx (bin/ts-thread.js registers it).
 */
function threadEntry(data: DeployThreadData): ConstructorParameters<typeof Worker> {
  const here = import.meta.url;
  if (here.endsWith(".ts")) {
    const entry = new URL("./deploy-thread.ts", here).href;
    return [new URL("../../bin/ts-thread.js", here), { workerData: { ...data, entry } }];
  }
  return [new URL("./deploy-thread.js", here), { workerData: data }];
}
