// The logging the cycle needs; pino's Logger satisfies it, tests pass a recorder.
export interface CycleLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface LogRecord {
  level: "info" | "warn" | "error";
  fields: Record<string, unknown>;
  message: string;
}

/** Keeps every record in memory (tests, the sandbox's decision log). */
export function recordingLogger(): CycleLogger & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  const at = (level: LogRecord["level"]) => (fields: Record<string, unknown>, message: string) => {
    records.push({ level, fields, message });
  };
  return { records, info: at("info"), warn: at("warn"), error: at("error") };
}
