// `status --watch`: redraw every interval until the signal aborts. Clearing the screen only
// makes sense on a terminal; piped output gets the snapshots one after another.
import { StatusUnavailableError } from "./errors.js";
import type { SnapshotSource } from "./read.js";
import type { StatusSnapshot } from "./schema.js";

export const CLEAR_SCREEN = "\u001b[H\u001b[2J";

export interface WatchOptions {
  read: SnapshotSource;
  render: (snapshot: StatusSnapshot) => string;
  write: (text: string) => void;
  tty: boolean;
  intervalMs: number;
  signal: AbortSignal;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Runs until aborted; an unavailable snapshot is shown and retried, anything else throws. */
export async function watchStatus(options: WatchOptions): Promise<void> {
  while (!options.signal.aborted) {
    let text: string;
    try {
      text = options.render(await options.read());
    } catch (err) {
      if (!(err instanceof StatusUnavailableError)) throw err;
      text = `${err.message}\n`;
    }
    options.write(options.tty ? `${CLEAR_SCREEN}${text}` : `${text}\n`);
    await options.sleep(options.intervalMs, options.signal);
  }
}
