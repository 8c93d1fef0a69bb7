// Bin packing of jobs into workers: first fit, in the order given (first-fit decreasing when the
// caller sorts by size). Capacity only ever shrinks, so for each distinct job size we remember
// the first bin that may still hold it: packing n jobs of k sizes into b bins costs O(n + k*b).
import type { Size } from "./types.js";

export interface Bin<T> {
  free: Size;
  items: T[];
}

export function fits(size: Size, free: Size): boolean {
  return size.cores <= free.cores && size.memoryMb <= free.memoryMb && size.diskKb <= free.diskKb;
}

/** Largest first: cores, then memory, then disk. */
export function compareSizeDescending(a: Size, b: Size): number {
  return b.cores - a.cores || b.memoryMb - a.memoryMb || b.diskKb - a.diskKb;
}

export class FirstFit<T> {
  private readonly firstCandidate = new Map<string, number>();

  /** `bins` is packed in place; `open` adds a bin when none fits (undefined: no more bins). */
  constructor(
    readonly bins: Bin<T>[],
    private readonly open?: () => Bin<T> | undefined,
  ) {}

  /** Index of the bin the item went into, or -1 when it fits nowhere. */
  place(item: T, size: Size): number {
    const key = `${size.cores}/${size.memoryMb}/${size.diskKb}`;
    let index = this.firstCandidate.get(key) ?? 0;
    while (index < this.bins.length && !fits(size, (this.bins[index] as Bin<T>).free)) index += 1;
    this.firstCandidate.set(key, index);
    if (index === this.bins.length) {
      const bin = this.open?.();
      if (!bin || !fits(size, bin.free)) return -1;
      this.bins.push(bin);
    }
    const bin = this.bins[index] as Bin<T>;
    bin.free = {
      cores: bin.free.cores - size.cores,
      memoryMb: bin.free.memoryMb - size.memoryMb,
      diskKb: bin.free.diskKb - size.diskKb,
    };
    bin.items.push(item);
    return index;
  }
}

export function emptyBin<T>(capacity: Size): Bin<T> {
  return { free: { ...capacity }, items: [] };
}
