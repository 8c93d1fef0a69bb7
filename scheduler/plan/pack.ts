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

/**
 * New workers of one shape, packed first fit by runs of identical items (a class of jobs): one
 * row of numbers per worker instead of an object, since a plan may pack tens of thousands of
 * workers it will never boot. A worker's runs (which positions of which class it holds) are a
 * linked list, in the order they were placed.
 */
export class PackedWorkers<C> {
  readonly cores: number[] = [];
  readonly memoryMb: number[] = [];
  readonly diskKb: number[] = [];
  /** Items per worker. */
  readonly items: number[] = [];
  private readonly firstRun: number[] = [];
  private readonly lastRun: number[] = [];
  private readonly runClass: C[] = [];
  private readonly runFrom: number[] = [];
  private readonly runCount: number[] = [];
  private readonly runNext: number[] = [];
  /** Workers before this one have less than a core free: no item fits them. */
  private firstWithRoom = 0;

  constructor(private readonly capacity: Size) {}

  get length(): number {
    return this.cores.length;
  }

  /**
   * First fit of `count` items of `size` (positions from..from+count of class `of`): each goes
   * to the first worker with room, a new one when none has; as FirstFit.place does item by item.
   * Items need at least one core. Returns how many were placed (fewer only when one does not fit
   * an empty worker).
   */
  place(of: C, from: number, count: number, size: Size): number {
    let left = count;
    let at = from;
    let index = size.cores >= 1 ? this.firstWithRoom : 0;
    while (left > 0) {
      while (index < this.cores.length && !this.fitsIn(index, size)) index += 1;
      if (index === this.cores.length) {
        if (!fits(size, this.capacity)) break;
        this.open();
      }
      let n = 0;
      while (left > 0 && this.fitsIn(index, size)) {
        this.cores[index] = (this.cores[index] as number) - size.cores;
        this.memoryMb[index] = (this.memoryMb[index] as number) - size.memoryMb;
        this.diskKb[index] = (this.diskKb[index] as number) - size.diskKb;
        n += 1;
        left -= 1;
      }
      this.items[index] = (this.items[index] as number) + n;
      this.addRun(index, of, at, n);
      at += n;
    }
    while (
      this.firstWithRoom < this.cores.length &&
      !((this.cores[this.firstWithRoom] as number) >= 1)
    )
      this.firstWithRoom += 1;
    return count - left;
  }

  /** Calls `visit(of, from, count)` for each run of items in worker `index`, in order. */
  forEachRun(index: number, visit: (of: C, from: number, count: number) => void): void {
    for (let run = this.firstRun[index] as number; run !== -1; run = this.runNext[run] as number) {
      visit(this.runClass[run] as C, this.runFrom[run] as number, this.runCount[run] as number);
    }
  }

  private fitsIn(index: number, size: Size): boolean {
    return (
      size.cores <= (this.cores[index] as number) &&
      size.memoryMb <= (this.memoryMb[index] as number) &&
      size.diskKb <= (this.diskKb[index] as number)
    );
  }

  private open(): void {
    this.cores.push(this.capacity.cores);
    this.memoryMb.push(this.capacity.memoryMb);
    this.diskKb.push(this.capacity.diskKb);
    this.items.push(0);
    this.firstRun.push(-1);
    this.lastRun.push(-1);
  }

  private addRun(index: number, of: C, from: number, count: number): void {
    const run = this.runClass.length;
    this.runClass.push(of);
    this.runFrom.push(from);
    this.runCount.push(count);
    this.runNext.push(-1);
    const last = this.lastRun[index] as number;
    if (last === -1) this.firstRun[index] = run;
    else this.runNext[last] = run;
    this.lastRun[index] = run;
  }
}
