// Our own job files: YAML (`jobs: [...]` or a bare list), a JSON array, or JSON lines. Each job:
// submit (seconds after the start), runtime (seconds), vmType (optional: mapped by size when
// absent), cores, memory (MiB, optional), owner. Parsed through a schema; errors name the job.
import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { z } from "zod";
import type { Trace, TraceJob } from "./trace.js";
import { TraceFormatError } from "./trace.js";

const jobSchema = z
  .object({
    id: z.union([z.string(), z.number()]).optional(),
    submit: z.number().nonnegative(),
    runtime: z.number().nonnegative(),
    vmType: z.string().min(1).optional(),
    cores: z.number().int().positive().default(1),
    memory: z.number().positive().optional(),
    owner: z.string().min(1).default("sim"),
  })
  .strict();

const fileSchema = z.union([
  z.array(z.unknown()),
  z.object({ start: z.number().optional(), jobs: z.array(z.unknown()) }).strict(),
]);

export async function readJobFile(path: string): Promise<Trace> {
  return parseJobFile(await readFile(path, "utf8"), path);
}

export function parseJobFile(text: string, source: string): Trace {
  let data: unknown;
  try {
    data = /\.jsonl$/i.test(source)
      ? text
          .split("\n")
          .filter((l) => l.trim() !== "")
          .map((l) => JSON.parse(l) as unknown)
      : parse(text);
  } catch (err) {
    throw new TraceFormatError(`${source}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const file = fileSchema.safeParse(data);
  if (!file.success) {
    throw new TraceFormatError(`${source}: expected a list of jobs or {jobs: [...]}`);
  }
  const raw = Array.isArray(file.data) ? file.data : file.data.jobs;
  const start = Array.isArray(file.data) ? undefined : file.data.start;
  const jobs: TraceJob[] = raw.map((item, index) => {
    const parsed = jobSchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new TraceFormatError(
        `${source}: job ${index}: ${issue?.path.join(".") || "job"}: ${issue?.message ?? "invalid"}`,
      );
    }
    const j = parsed.data;
    const job: TraceJob = {
      id: j.id === undefined ? String(index + 1) : String(j.id),
      submit: j.submit,
      runtime: j.runtime,
      cores: j.cores,
      user: j.owner,
    };
    if (j.memory !== undefined) job.memoryMb = j.memory;
    if (j.vmType !== undefined) job.vmType = j.vmType;
    return job;
  });
  jobs.sort((a, b) => a.submit - b.submit);
  return {
    source,
    ...(start === undefined ? {} : { startTime: start }),
    header: {},
    jobs,
    skipped: {},
  };
}
