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

/**
 * First fit of `count` items of one size, without a record per item: each goes to the first
 * bin from `from` on with room, as FirstFit.place puts them one after another (room only
 * shrinks, so identical items fill the bins in order). `open` adds a bin when none fits;
 * `placed(bin, index, n)` hears of each run of n items in one bin. Returns how many were placed.
 */
export function placeMany<B extends { free: Size }>(
  bins: B[],
  size: Size,
  count: number,
  open: (() => B | undefined) | undefined,
  placed: (bin: B, index: number, n: number) => void,
  from = 0,
): number {
  let left = count;
  let index = from;
  while (left > 0) {
    while (index < bins.length && !fits(size, (bins[index] as B).free)) index += 1;
    if (index === bins.length) {
      const bin = open?.();
      if (!bin || !fits(size, bin.free)) break;
      bins.push(bin);
    }
    const bin = bins[index] as B;
    const free = bin.free;
    let n = 0;
    while (left > 0 && fits(size, free)) {
      free.cores -= size.cores;
      free.memoryMb -= size.memoryMb;
      free.diskKb -= size.diskKb;
      n += 1;
      left -= 1;
    }
    placed(bin, index, n);
  }
  return count - left;
}
