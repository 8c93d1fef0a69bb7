// Typed arrays a plan step fills and reads within one call, kept for its next call. A plan over
// a large queue needs hundreds of kilobytes of them each cycle; fresh ones cost page faults and
// grow the external memory that brings the heap's full collections. Each user keeps its own
// (one per array it needs at once), and never hands one out of the call.

export class Int32Scratch {
  private buffer = new Int32Array(0);

  /** `n` numbers, each set to `value`. */
  take(n: number, value: number): Int32Array {
    if (n > this.buffer.length) this.buffer = new Int32Array(Math.ceil(n * 1.25));
    return this.buffer.subarray(0, n).fill(value);
  }
}

export class Uint8Scratch {
  private buffer = new Uint8Array(0);

  /** `n` bytes, each set to `value`. */
  take(n: number, value: number): Uint8Array {
    if (n > this.buffer.length) this.buffer = new Uint8Array(Math.ceil(n * 1.25));
    return this.buffer.subarray(0, n).fill(value);
  }
}
