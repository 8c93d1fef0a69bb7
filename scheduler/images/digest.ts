// Hashes and counts bytes as they stream past, for the algorithms Glance reports.
import { createHash, getHashes, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";

export class UnsupportedHashError extends Error {
  override readonly name = "UnsupportedHashError";
  constructor(readonly algo: string) {
    super(`hash algorithm '${algo}' reported by Glance is not available in this Node.js`);
  }
}

export class DigestStream extends Transform {
  #hashes: Map<string, Hash>;
  bytes = 0;

  constructor(
    algos: string[],
    private readonly onBytes?: (total: number) => void,
  ) {
    super({ highWaterMark: 1 << 20 });
    const available = new Set(getHashes());
    this.#hashes = new Map();
    for (const algo of new Set(algos)) {
      if (!available.has(algo)) throw new UnsupportedHashError(algo);
      this.#hashes.set(algo, createHash(algo));
    }
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    for (const hash of this.#hashes.values()) hash.update(chunk);
    this.bytes += chunk.length;
    this.onBytes?.(this.bytes);
    done(null, chunk);
  }

  /** Hex digests by algorithm; call once, after the stream ended. */
  digests(): Record<string, string> {
    return Object.fromEntries([...this.#hashes].map(([algo, hash]) => [algo, hash.digest("hex")]));
  }
}
