// The daemon's Clock in simulated time: sleep(ms) moves the simulation forward by ms (running
// the boots, job starts and ends due meanwhile) and waits ms / speed of real time, so a human
// can watch. speed Infinity: no real waiting at all (tests).
import type { Clock } from "../run/daemon.js";
import type { EventQueue } from "./event-queue.js";

export class SimClock implements Clock {
  constructor(
    private readonly events: EventQueue,
    private readonly speed: number,
  ) {}

  now(): number {
    return Math.floor(this.events.now());
  }

  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    this.events.advanceTo(this.events.now() + ms / 1000);
    const real = Number.isFinite(this.speed) ? ms / this.speed : 0;
    if (real <= 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, real);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
