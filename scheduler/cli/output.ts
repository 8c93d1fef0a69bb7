// Where commands write: injected so tests can capture output without touching process.*.
import { scrub } from "../secrets/registry.js";
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/** stdout and stderr; errors pass the scrubber (a tool's stderr may quote a secret). */
export const processOutput: Output = {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => {
    const clean = scrub(text);
    process.stderr.write(clean.endsWith("\n") ? clean : `${clean}\n`);
  },
};

/** Collects output in memory (tests, --json wrappers). */
export function memoryOutput(): Output & { stdout: string; stderr: string } {
  const sink = {
    stdout: "",
    stderr: "",
    out(text: string) {
      sink.stdout += text.endsWith("\n") ? text : `${text}\n`;
    },
    err(text: string) {
      sink.stderr += text.endsWith("\n") ? text : `${text}\n`;
    },
  };
  return sink;
}
