// A deployer for the deploy-thread tests, made inside the thread by deploy-thread.ts (its
// `factory`): the MemoryDeployer, plus clouds that misbehave on purpose, each named for what it
// does. Only the tests of scheduler/deploy/thread-deployer.ts use it.
import { existsSync } from "node:fs";
import { Secret } from "../../scheduler/config/secret.js";
import type { DeployLogger } from "../../scheduler/deploy/automation-deployer.js";
import type { DeployThreadData } from "../../scheduler/deploy/deploy-thread.js";
import { DeployTimeoutError, LockHeldError } from "../../scheduler/deploy/errors.js";
import { MemoryDeployer } from "../../scheduler/deploy/memory-deployer.js";
import type { DeployResult, PoolStackInput } from "../../scheduler/deploy/types.js";

class FixtureDeployer extends MemoryDeployer {
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: DeployLogger,
  ) {
    super();
  }

  override async up(input: PoolStackInput, signal?: AbortSignal): Promise<DeployResult> {
    this.log.info({ cloud: input.cloudName, threadEnv: this.env.CS_FIXTURE_MARK }, "up starts");
    switch (input.cloudName) {
      case "locked":
        throw new LockHeldError({
          cloud: input.cloudName,
          detail: "the stack is currently locked by 1 lock(s)",
          holders: [{ user: "cs", host: "sched-1", pid: 4242 }],
        });
      case "raw-quota":
        // Unclassified, as the CLI's errors arrive: the thread classifies before it answers.
        throw new Error(
          "creating server: Quota exceeded for instances: Requested 1, but already used 2 of 2",
        );
      case "hang":
        // Like Pulumi given SIGINT: stops when the signal says so, never before.
        await new Promise<void>((resolve) => {
          if (signal?.aborted) resolve();
          signal?.addEventListener("abort", () => resolve());
        });
        throw new DeployTimeoutError(5, { cloud: input.cloudName });
      case "crash":
        process.exit(3);
        break;
      case "spin": {
        // Busy on this thread's own loop (as a pool program declaring servers is) until the
        // scheduler's thread, free meanwhile, drops the flag file; 20 s at most.
        const flag = this.env.CS_FIXTURE_FLAG ?? "";
        const until = Date.now() + 20_000;
        while (!existsSync(flag)) {
          if (Date.now() > until) throw new Error("the scheduler's thread never ran meanwhile");
        }
        break;
      }
      case "tokens":
        return {
          changes: { create: 0, update: 0, delete: 0, same: 0 },
          instances: [...(input.workerTokens ?? [])].map(([name, t]) => ({
            name,
            id: t.token instanceof Secret ? `secret of ${t.token.reveal().length} chars` : "plain",
          })),
        };
    }
    return super.up(input, signal);
  }
}

export function createDeployer(options: DeployThreadData["options"], log: DeployLogger) {
  return new FixtureDeployer(options.env ?? {}, log);
}
