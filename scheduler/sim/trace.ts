// A workload trace as the simulator replays it, whatever file it came from, and the reader that
// picks the format by file name: *.swf / *.swf.gz (Parallel Workloads Archive), *.yaml / *.yml /
// *.json / *.jsonl (our own job files).
import { readJobFile } from "./trace-jobs.js";
import { readSwf } from "./trace-swf.js";

/** One job of a trace. Times are seconds; `submit` is an offset from the trace's start. */
export interface TraceJob {
  id: string;
  submit: number;
  runtime: number;
  /** Cores (SWF: processors) the job uses. */
  cores: number;
  memoryMb?: number;
  /** The VM type the job names (+VMType); SWF jobs have none and are mapped by size. */
  vmType?: string;
  user: string;
}

export interface Trace {
  /** File it came from, for messages and the report. */
  source: string;
  /** Unix seconds the trace starts at (SWF UnixStartTime), when the file says. */
  startTime?: number;
  /** Header facts worth showing (SWF `; Key: value` lines). */
  header: Record<string, string>;
  jobs: TraceJob[];
  /** Lines that are not usable jobs, by reason ("runtime -1", "cores -1"...). */
  skipped: Record<string, number>;
}

export class TraceFormatError extends Error {
  override readonly name = "TraceFormatError";
}

export async function readTrace(path: string): Promise<Trace> {
  if (/\.swf(\.gz)?$/i.test(path)) return readSwf(path);
  if (/\.(ya?ml|json|jsonl)$/i.test(path)) return readJobFile(path);
  throw new TraceFormatError(
    `${path}: unknown trace format; expected .swf, .swf.gz, .yaml, .json or .jsonl`,
  );
}
