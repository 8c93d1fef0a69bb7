// Typed arrays a plan step fills and reads within one call, kept for its next call. A plan over
// a large queue needs hundreds of kilobytes of them each cycle; fresh ones cost page faults and
// grow the external memory that brings the heap's full collections. Each user keeps its own
// (one per array it needs at once), and never hands one out of the call.

export class Scratch<T extends Int32Array | Uint8Array> {
  private buffer: T;

  constructor(private readonly make: (length: number) => T) {
    this.buffer = make(0);
  }

  /** `n` elements, what an earlier use left in them still there (callers fill what they read). */
  take(n: number): T {
    if (n > this.buffer.length) this.buffer = this.make(Math.ceil(n * 1.25));
    return this.buffer.subarray(0, n) as T;
  }
}
