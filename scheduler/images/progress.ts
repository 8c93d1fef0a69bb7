// Transfer progress: a cli-progress bar (bytes, rate, ETA) on a terminal, plain lines
// ("x MiB / y MiB (z MiB/s)") every few seconds otherwise. Injected, so tests capture it.
import cliProgress from "cli-progress";

export interface ProgressTask {
  /** Total bytes done so far. */
  update(doneBytes: number): void;
  finish(message: string): void;
}

export interface ProgressReporter {
  start(label: string, totalBytes: number): ProgressTask;
  /** Ends the display (restores the terminal). */
  stop(): void;
}

const MiB = 1024 * 1024;

export function formatMiB(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

/** "label: 12.0 MiB / 40.0 MiB (6.0 MiB/s)" */
export function progressLine(label: string, done: number, total: number, elapsedMs: number) {
  const rate = elapsedMs > 0 ? done / MiB / (elapsedMs / 1000) : 0;
  return `${label}: ${formatMiB(done)} / ${formatMiB(total)} (${rate.toFixed(1)} MiB/s)`;
}

/** Plain lines for logs and pipes: one per task at most every `everyMs`, plus start and end. */
export function plainProgress(
  write: (line: string) => void,
  now: () => number,
  everyMs = 5000,
): ProgressReporter {
  return {
    start(label, totalBytes) {
      const started = now();
      let lastLine = started;
      write(`${label}: starting (${formatMiB(totalBytes)})`);
      return {
        update(done) {
          const t = now();
          if (t - lastLine < everyMs) return;
          lastLine = t;
          write(progressLine(label, done, totalBytes, t - started));
        },
        finish(message) {
          write(`${label}: ${message}`);
        },
      };
    },
    stop() {},
  };
}

/** One bar per task on a TTY. */
export function barProgress(stream: NodeJS.WriteStream): ProgressReporter {
  const bars = new cliProgress.MultiBar(
    {
      stream,
      format:
        "{label} [{bar}] {percentage}% {doneMiB}/{totalMiB} MiB {rate} MiB/s ETA {eta_formatted}",
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    start(label, totalBytes) {
      const started = Date.now();
      const payload = (done: number) => ({
        label,
        doneMiB: (done / MiB).toFixed(1),
        totalMiB: (totalBytes / MiB).toFixed(1),
        rate: (done / MiB / Math.max((Date.now() - started) / 1000, 0.001)).toFixed(1),
      });
      const bar = bars.create(Math.max(totalBytes, 1), 0, payload(0));
      return {
        update(done) {
          bar.update(done, payload(done));
        },
        finish(message) {
          bar.update(totalBytes, payload(totalBytes));
          bars.log(`${label}: ${message}\n`);
        },
      };
    },
    stop() {
      bars.stop();
    },
  };
}

export const silentProgress: ProgressReporter = {
  start: () => ({ update() {}, finish() {} }),
  stop() {},
};
