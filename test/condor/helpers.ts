// Shared by the condor tests: fixture paths, the stand-in tools, a log of their calls.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CondorConfig } from "../../scheduler/config/schema.js";

export const FIXTURES = fileURLToPath(new URL("../fixtures/condor/", import.meta.url));
export const STANDIN_BIN = fileURLToPath(new URL("../bin/", import.meta.url));

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

export function readFixture(name: string): Buffer {
  return readFileSync(fixture(name));
}

/** A CondorConfig as the schema's defaults give it. */
export function standinConfig(overrides: Partial<CondorConfig> = {}): CondorConfig {
  return { timeout: 30, ...overrides };
}

/**
 * CommandLineCondor options for the stand-ins: their directory, and no identity check (the
 * fixtures are a personal pool's answers, every ad authenticated as condor@family).
 */
export const STANDIN_OPTIONS = { binDir: STANDIN_BIN, workerIdentity: "unchecked" } as const;

export interface StandinCall {
  tool: string;
  args: string[];
  pid: number;
  sleeperPid?: number;
}

/** A temporary directory with a call log; `env(extra)` is the environment for the stand-ins. */
export class StandinWorld {
  readonly dir = mkdtempSync(path.join(tmpdir(), "condor-standin-"));
  readonly log = path.join(this.dir, "calls.jsonl");

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH, CONDOR_STANDIN_LOG: this.log, ...extra };
  }

  calls(): StandinCall[] {
    let text: string;
    try {
      text = readFileSync(this.log, "utf8");
    } catch {
      return [];
    }
    return text
      .split("\n")
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as StandinCall);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

/** The error a function throws (fails the test if it returns). */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}
