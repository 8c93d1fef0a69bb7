// The logging the cycle needs; pino's Logger satisfies it, tests pass a recorder. Every line
// the daemon logs passes the secret scrubber (scrubbedDestination) on its way out.
import { knownSecrets, type SecretRegistry } from "../secrets/registry.js";

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

/** Where pino writes a line: a file descriptor's stream or anything with write(). */
export interface LogDestination {
  write(line: string): unknown;
}

/**
 * `destination` with every known secret (and anything shaped like a credential) removed from
 * each line: the whole serialized line, so fields, messages and error stacks alike.
 */
export function scrubbedDestination(
  destination: LogDestination,
  registry: SecretRegistry = knownSecrets,
): LogDestination {
  return { write: (line: string) => destination.write(registry.scrub(line)) };
}
