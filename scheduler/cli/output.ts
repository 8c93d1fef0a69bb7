// Where commands write: injected so tests can capture output without touching process.*.
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const processOutput: Output = {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
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
