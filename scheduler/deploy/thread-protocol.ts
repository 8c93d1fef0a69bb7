// The messages between the scheduler's thread and its deploy thread (thread-deployer.ts,
// deploy-thread.ts), and how what crosses is made cloneable: a worker's IDTOKEN travels as its
// value and is a Secret again on the other side; a classified error travels as its kind, message
// and fields, and is the same DeployError class again on the other side.
import { Secret } from "../config/secret.js";
import type { WorkerToken } from "../identity/types.js";
import {
  type DeployError,
  type DeployErrorKind,
  DeployTimeoutError,
  deployErrorOfKind,
  LockHeldError,
} from "./errors.js";
import type { LockHolder } from "./stale-lock.js";
import type { PoolStackInput } from "./types.js";

export type DeployMethod = "up" | "preview" | "instances" | "destroy" | "unfinished" | "recover";

/** Scheduler -> deploy thread. */
export type ThreadRequest =
  | { type: "call"; id: number; method: DeployMethod; args: unknown[]; cancellable: boolean }
  | { type: "abort"; id: number };

/** Deploy thread -> scheduler. */
export type ThreadReply =
  | { type: "result"; id: number; value: unknown }
  | { type: "error"; id: number; error: WireError }
  | { type: "log"; level: "info" | "warn"; fields: Record<string, unknown>; message: string };

/** A classified deploy error as it crosses: every field the callers read. */
export interface WireError {
  kind: DeployErrorKind;
  message: string;
  cloud?: string;
  detail?: string;
  holders?: LockHolder[];
  seconds?: number;
}

/** A PoolStackInput as it crosses: tokens as [worker, token-with-value] pairs. */
export type WireInput = Omit<PoolStackInput, "workerTokens"> & {
  workerTokens?: [string, Omit<WorkerToken, "token"> & { token: string }][];
};

export function inputToWire(input: PoolStackInput): WireInput {
  const { workerTokens, ...rest } = input;
  if (!workerTokens) return rest;
  return {
    ...rest,
    workerTokens: [...workerTokens].map(([name, t]) => [name, { ...t, token: t.token.reveal() }]),
  };
}

export function inputFromWire(wire: WireInput): PoolStackInput {
  const { workerTokens, ...rest } = wire;
  if (!workerTokens) return rest;
  return {
    ...rest,
    workerTokens: new Map(
      workerTokens.map(([name, t]) => [name, { ...t, token: new Secret(t.token) }]),
    ),
  };
}

export function errorToWire(err: DeployError): WireError {
  return {
    kind: err.kind,
    message: err.message,
    ...(err.cloud !== undefined ? { cloud: err.cloud } : {}),
    ...(err.detail !== undefined ? { detail: err.detail } : {}),
    ...(err instanceof LockHeldError ? { holders: err.holders } : {}),
    ...(err instanceof DeployTimeoutError ? { seconds: err.seconds } : {}),
  };
}

/** The same class as was thrown in the deploy thread, with the same message. */
export function errorFromWire(wire: WireError): DeployError {
  const err = deployErrorOfKind(wire.kind, {
    ...(wire.cloud !== undefined ? { cloud: wire.cloud } : {}),
    ...(wire.detail !== undefined ? { detail: wire.detail } : {}),
    ...(wire.holders !== undefined ? { holders: wire.holders } : {}),
    ...(wire.seconds !== undefined ? { seconds: wire.seconds } : {}),
  });
  // Constructors compose their own message; keep the one the deploy thread wrote.
  Object.defineProperty(err, "message", { value: wire.message, enumerable: false });
  return err;
}
