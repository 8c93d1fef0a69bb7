// Engine CPU of the deploy benches: a wrapper `pulumi`, first on PATH, runs the real CLI under
// `/usr/bin/time -f "%U %S"`, which reports user+sys of the CLI and every child it waited for
// (the provider plugin; an inline program's language runtime is the bench's own Node process).
// The wrapper lives in <dir>/bin so the deployer runs it by absolute path like a real install.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";

export interface EngineCpuMeter {
  /** The environment to give the deployer: the wrapper first on PATH. */
  env: NodeJS.ProcessEnv;
  /** Forgets the runs so far. */
  reset(): void;
  /** The CLI runs since the last reset, and their CPU seconds (user + sys, children included). */
  read(): { runs: number; cpu: number };
}

export function engineCpuMeter(
  realCli: string,
  dir: string,
  env: NodeJS.ProcessEnv,
): EngineCpuMeter {
  const bin = join(dir, "wrapper", "bin");
  const log = join(dir, "engine-cpu.log");
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, "pulumi"),
    `#!/bin/sh\nexec /usr/bin/time -a -o ${JSON.stringify(log)} -f "%U %S" ${JSON.stringify(realCli)} "$@"\n`,
  );
  chmodSync(join(bin, "pulumi"), 0o755);
  return {
    env: { ...env, PATH: `${bin}${delimiter}${env.PATH ?? ""}` },
    reset: () => rmSync(log, { force: true }),
    read: () => {
      const lines = existsSync(log)
        ? readFileSync(log, "utf8")
            .trim()
            .split("\n")
            .map((line) => line.split(" ").map(Number))
            .filter((parts) => parts.length === 2 && parts.every(Number.isFinite))
        : [];
      return {
        runs: lines.length,
        cpu: lines.reduce((sum, [user = 0, sys = 0]) => sum + user + sys, 0),
      };
    },
  };
}
