// Standard Workload Format (Parallel Workloads Archive, v2.2): one job per line, 18
// whitespace-separated fields, -1 for unknown, header lines start with ';'. Read as a stream,
// gzip or not, so a large log never sits in memory as text.
//
// Fields used: 1 job number, 2 submit time, 4 run time, 5 allocated processors (else 8,
// requested processors), 7 used memory per processor in KB (else 10, requested memory),
// 12 user id. A job without a usable run time or processor count cannot be replayed: skipped
// and counted by reason.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import type { Trace, TraceJob } from "./trace.js";
import { TraceFormatError } from "./trace.js";

export interface SwfParse {
  header: Record<string, string>;
  jobs: TraceJob[];
  skipped: Record<string, number>;
}

export async function readSwf(path: string): Promise<Trace> {
  const file = createReadStream(path);
  const input = /\.gz$/i.test(path) ? file.pipe(createGunzip()) : file;
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    const parsed = await parseSwfLines(lines, path);
    const start = Number(parsed.header.UnixStartTime);
    return {
      source: path,
      ...(Number.isFinite(start) && start > 0 ? { startTime: start } : {}),
      ...parsed,
    };
  } catch (err) {
    if (err instanceof TraceFormatError) throw err;
    throw new TraceFormatError(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Parses SWF lines; `source` names the file in errors. */
export async function parseSwfLines(
  lines: AsyncIterable<string> | Iterable<string>,
  source: string,
): Promise<SwfParse> {
  const header: Record<string, string> = {};
  const jobs: TraceJob[] = [];
  const skipped: Record<string, number> = {};
  const skip = (reason: string) => {
    skipped[reason] = (skipped[reason] ?? 0) + 1;
  };
  let lineNo = 0;
  for await (const raw of lines) {
    lineNo++;
    const line = raw.trim();
    if (line === "") continue;
    if (line.startsWith(";")) {
      const match = /^;\s*([A-Za-z][\w ]*?):\s*(.*)$/.exec(line);
      if (match?.[1] && header[match[1]] === undefined) header[match[1]] = (match[2] ?? "").trim();
      continue;
    }
    const fields = line.split(/\s+/).map(Number);
    if (fields.length < 18 || fields.some((f) => !Number.isFinite(f))) {
      throw new TraceFormatError(
        `${source}:${lineNo}: expected 18 numeric SWF fields, got ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    const [id, submit, , runtime, allocated, , usedMemKb, requested, , requestedMemKb, , user] =
      fields as number[];
    const cores = (allocated as number) > 0 ? allocated : requested;
    if ((submit as number) < 0) skip("submit time -1");
    else if ((runtime as number) < 0) skip("run time -1");
    else if ((cores as number) <= 0) skip("processors -1");
    else {
      const job: TraceJob = {
        id: String(id),
        submit: submit as number,
        runtime: runtime as number,
        cores: cores as number,
        user: (user as number) >= 0 ? `user${user}` : "unknown",
      };
      const memPerProcKb = (usedMemKb as number) > 0 ? usedMemKb : requestedMemKb;
      if ((memPerProcKb as number) > 0) {
        job.memoryMb = Math.ceil(((memPerProcKb as number) * (cores as number)) / 1024);
      }
      jobs.push(job);
    }
  }
  jobs.sort((a, b) => a.submit - b.submit || Number(a.id) - Number(b.id));
  return { header, jobs, skipped };
}
