// Runs the real pool Pulumi program (stacks/pool.ts) under Pulumi's mock runtime to learn which
// instances a stack input declares, so the simulated cloud creates exactly what the program
// would. setMocks is process-wide: call this only in a process that deploys nothing for real
// (the simulator, the sandbox, tests).
import * as pulumi from "@pulumi/pulumi";
import type { PoolStackInput } from "../deploy/types.js";
import type { InstanceProgram } from "./sim-cloud.js";

const INSTANCE_TYPE = "openstack:compute/instance:Instance";

export interface MockedProgram {
  program: InstanceProgram;
  /** How many times the program ran. */
  runs(): number;
}

/**
 * The pool program as an InstanceProgram. `every`: run the program for one `up` in `every`
 * (1 = always) and trust the worker list otherwise; long traces sample, the sandbox runs it always.
 */
export async function mockedPoolProgram(every = 1): Promise<MockedProgram> {
  let declared: { type: string; name: string }[] = [];
  let counter = 0;
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        declared.push({
          type: args.type,
          name: String((args.inputs as { name?: unknown }).name ?? args.name),
        });
        counter++;
        const state: Record<string, unknown> = { ...(args.inputs as Record<string, unknown>) };
        if (args.type === INSTANCE_TYPE) {
          state.networks = [
            {
              name: "sim",
              fixedIpV4: `10.${(counter >> 16) & 255}.${(counter >> 8) & 255}.${counter & 255}`,
            },
          ];
        }
        return { id: `${args.name}-sim-id`, state };
      },
      call: () => ({}),
    },
    "cloudscheduler",
    "sim",
    false,
  );
  const { poolProgramWith } = await import("../../stacks/pool.js");
  let calls = 0;
  let runs = 0;
  const program: InstanceProgram = async (input: PoolStackInput) => {
    calls++;
    if (every > 1 && (calls - 1) % every !== 0) return input.workers.map((w) => w.name);
    runs++;
    declared = [];
    // Pulumi records `new Error().stack` for every resource and promise (for leak reports
    // nobody reads here); with source maps on (tsx) each is mapped too. Both made the program
    // runs most of a replay's time: no traces, no mapping while the program runs.
    const mapped = process.sourceMapsEnabled;
    const traceLimit = Error.stackTraceLimit;
    process.setSourceMapsEnabled(false);
    Error.stackTraceLimit = 0;
    try {
      await poolProgramWith(input, {
        env: {},
        username: "sim",
        configRevision: "sim",
      })();
      await settle();
    } finally {
      Error.stackTraceLimit = traceLimit;
      process.setSourceMapsEnabled(mapped);
    }
    const names = declared.filter((d) => d.type === INSTANCE_TYPE).map((d) => d.name);
    declared = [];
    return names;
  };
  return { program, runs: () => runs };
}

/** Lets the mock monitor see every registration started so far. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}
