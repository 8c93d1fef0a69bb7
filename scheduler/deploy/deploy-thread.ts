// The deploy thread's entry (a worker_threads Worker started by thread-deployer.ts): it owns the
// pool deployer, so the pool program, the Automation API's event stream and the state reads run
// on this thread's event loop, never stalling the scheduler's cycle. Each request is one call of
// the PoolDeployer interface; its answer, or its error classified and made cloneable, goes back.
import { parentPort, workerData } from "node:worker_threads";
import { knownSecrets } from "../secrets/registry.js";
import type { AutomationDeployerOptions, DeployLogger } from "./automation-deployer.js";
import { classifyDeployError } from "./errors.js";
import {
  errorToWire,
  inputFromWire,
  type ThreadReply,
  type ThreadRequest,
  type WireInput,
} from "./thread-protocol.js";
import type { PoolDeployer } from "./types.js";

/** What the scheduler gives the thread: the deployer's options, or (tests) a module making one. */
export interface DeployThreadData {
  options: Omit<AutomationDeployerOptions, "logger" | "program" | "pulumiCommand" | "lock">;
  /** A module URL whose `createDeployer(options, logger)` makes the deployer (tests). */
  factory?: string;
}

const port = parentPort;
if (!port) throw new Error("deploy-thread.ts runs only as a worker thread");
const data = workerData as DeployThreadData;

const send = (reply: ThreadReply) => port.postMessage(reply);
const logger: DeployLogger = {
  info: (fields, message) => send({ type: "log", level: "info", fields, message }),
  warn: (fields, message) => send({ type: "log", level: "warn", fields, message }),
};

async function createDeployer(): Promise<PoolDeployer> {
  if (data.factory) {
    const module = (await import(data.factory)) as {
      createDeployer: (options: DeployThreadData["options"], log: DeployLogger) => PoolDeployer;
    };
    return module.createDeployer(data.options, logger);
  }
  const { AutomationDeployer } = await import("./automation-deployer.js");
  return new AutomationDeployer({ ...data.options, logger });
}

const deployer = createDeployer();
const controllers = new Map<number, AbortController>();

async function call(request: Extract<ThreadRequest, { type: "call" }>): Promise<unknown> {
  const d = await deployer;
  const signal = controllers.get(request.id)?.signal;
  const [first] = request.args;
  switch (request.method) {
    case "up": {
      const input = inputFromWire(first as WireInput);
      try {
        return await d.up(input, signal);
      } finally {
        // The tokens were for this deploy only: the scrubber need not know them any longer.
        for (const t of input.workerTokens?.values() ?? []) knownSecrets.forget(t.token.reveal());
      }
    }
    case "preview":
      return d.preview(inputFromWire(first as WireInput), signal);
    case "instances":
      return d.instances(first as string);
    case "destroy":
      return d.destroy(first as string, signal);
    case "unfinished":
      return d.unfinished();
    case "recover":
      return d.recover(first as string, signal);
  }
}

/** The cloud a call is about, to classify its error with. */
function cloudOf(request: Extract<ThreadRequest, { type: "call" }>): string | undefined {
  const [first] = request.args;
  if (typeof first === "string") return first;
  return (first as WireInput | undefined)?.cloudName;
}

port.on("message", (request: ThreadRequest) => {
  if (request.type === "abort") {
    controllers.get(request.id)?.abort();
    return;
  }
  if (request.cancellable) controllers.set(request.id, new AbortController());
  call(request)
    .then(
      (value) => send({ type: "result", id: request.id, value }),
      (err: unknown) =>
        send({
          type: "error",
          id: request.id,
          error: errorToWire(classifyDeployError(err, cloudOf(request))),
        }),
    )
    .finally(() => controllers.delete(request.id));
});
