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

/** The typed arrays of a PackedWorkers. */
interface Columns {
  cores: Float64Array;
  memoryMb: Float64Array;
  diskKb: Float64Array;
  itemCounts: Int32Array;
  firstRun: Int32Array;
  lastRun: Int32Array;
  runClass: Int32Array;
  runFrom: Int32Array;
  runCount: Int32Array;
  runNext: Int32Array;
}

/**
 * The arrays of the last PackedWorkers released (a plan releases its packing when done), taken
 * by the next one that fits in them: a plan packs megabytes of rows each cycle, and fresh typed
 * arrays cost page faults, and grow the external memory that brings the heap's full collections.
 */
let released: Columns | undefined;

/**
 * New workers, packed first fit by runs of identical items (a class of jobs): one row of numbers
 * per worker in typed arrays instead of an object, since a plan may pack tens of thousands of
 * workers it will never boot. One instance serves a whole plan: begin() starts the workers of
 * another shape (a new run of rows, filled apart from the earlier ones). A worker's runs (which
 * positions of which class it holds) are a linked list, in the order they were placed. Classes
 * are numbered by the caller.
 */
export class PackedWorkers {
  private rows = 0;
  private cores: Float64Array;
  private memoryMb: Float64Array;
  private diskKb: Float64Array;
  /** Items per worker. */
  private itemCounts: Int32Array;
  private firstRun: Int32Array;
  private lastRun: Int32Array;
  private runs = 0;
  private runClass: Int32Array;
  private runFrom: Int32Array;
  private runCount: Int32Array;
  private runNext: Int32Array;
  private capacity: Size = { cores: 0, memoryMb: 0, diskKb: 0 };
  /** The first row of the current shape's workers. */
  private start = 0;
  /** Workers before this one have less than a core free: no item of a core or more fits. */
  private firstWithRoom = 0;

  /**
   * `items`: how many items may come (a hint): a worker or a run holds at least one, so the
   * arrays are sized for that many and rarely grow.
   */
  constructor(items = 1024) {
    const workers = Math.max(1024, Math.ceil(items / 2));
    const runs = Math.max(1024, items);
    const spare = released;
    if (spare !== undefined && spare.cores.length >= workers && spare.runClass.length >= runs) {
      // Every row and run is written when opened or added: nothing to clear.
      released = undefined;
      this.cores = spare.cores;
      this.memoryMb = spare.memoryMb;
      this.diskKb = spare.diskKb;
      this.itemCounts = spare.itemCounts;
      this.firstRun = spare.firstRun;
      this.lastRun = spare.lastRun;
      this.runClass = spare.runClass;
      this.runFrom = spare.runFrom;
      this.runCount = spare.runCount;
      this.runNext = spare.runNext;
      return;
    }
    this.cores = new Float64Array(workers);
    this.memoryMb = new Float64Array(workers);
    this.diskKb = new Float64Array(workers);
    this.itemCounts = new Int32Array(workers);
    this.firstRun = new Int32Array(workers);
    this.lastRun = new Int32Array(workers);
    this.runClass = new Int32Array(runs);
    this.runFrom = new Int32Array(runs);
    this.runCount = new Int32Array(runs);
    this.runNext = new Int32Array(runs);
  }

  /**
   * Hands the arrays to the next PackedWorkers made (the caller is done with this one: it is not
   * to be read after).
   */
  release(): void {
    const mine: Columns = {
      cores: this.cores,
      memoryMb: this.memoryMb,
      diskKb: this.diskKb,
      itemCounts: this.itemCounts,
      firstRun: this.firstRun,
      lastRun: this.lastRun,
      runClass: this.runClass,
      runFrom: this.runFrom,
      runCount: this.runCount,
      runNext: this.runNext,
    };
    // The larger of two stays (the queue is the same size cycle after cycle).
    if (released === undefined || released.cores.length <= mine.cores.length) released = mine;
    this.rows = 0;
    this.runs = 0;
  }

  /** Rows so far (all shapes): the current shape's workers are start()..length-1. */
  get length(): number {
    return this.rows;
  }

  /** Starts packing workers of `capacity`, apart from the workers packed so far. */
  begin(capacity: Size): number {
    this.capacity = capacity;
    this.start = this.rows;
    this.firstWithRoom = this.rows;
    return this.start;
  }

  /** Items in worker `index`. */
  items(index: number): number {
    return this.itemCounts[index] as number;
  }

  /**
   * First fit of `count` items of `size` (positions from..from+count of class number `of`):
   * each goes to the first worker with room, a new one when none has; as FirstFit.place does
   * item by item. Returns how many were placed (fewer only when one does not fit an empty
   * worker).
   */
  place(of: number, from: number, count: number, size: Size): number {
    const { cores: needCores, memoryMb: needMemory, diskKb: needDisk } = size;
    let left = count;
    let at = from;
    let index = needCores >= 1 ? this.firstWithRoom : this.start;
    // The columns in locals (read again when a new worker grows them): V8 would otherwise load
    // each one through `this` again after every store.
    let { cores, memoryMb, diskKb } = this;
    while (left > 0) {
      while (
        index < this.rows &&
        !(
          needCores <= (cores[index] as number) &&
          needMemory <= (memoryMb[index] as number) &&
          needDisk <= (diskKb[index] as number)
        )
      ) {
        index += 1;
      }
      if (index === this.rows) {
        if (!fits(size, this.capacity)) break;
        this.open();
        ({ cores, memoryMb, diskKb } = this);
      }
      let n = 0;
      let freeCores = cores[index] as number;
      let freeMemory = memoryMb[index] as number;
      let freeDisk = diskKb[index] as number;
      while (
        left > 0 &&
        needCores <= freeCores &&
        needMemory <= freeMemory &&
        needDisk <= freeDisk
      ) {
        freeCores -= needCores;
        freeMemory -= needMemory;
        freeDisk -= needDisk;
        n += 1;
        left -= 1;
      }
      cores[index] = freeCores;
      memoryMb[index] = freeMemory;
      diskKb[index] = freeDisk;
      this.itemCounts[index] = (this.itemCounts[index] as number) + n;
      this.addRun(index, of, at, n);
      at += n;
    }
    let firstWithRoom = this.firstWithRoom;
    while (firstWithRoom < this.rows && !((cores[firstWithRoom] as number) >= 1))
      firstWithRoom += 1;
    this.firstWithRoom = firstWithRoom;
    return count - left;
  }

  /** The first run of items in worker `index` (-1: none); the next ones by nextRun(). */
  firstRunOf(index: number): number {
    return this.firstRun[index] as number;
  }

  /** The run after `run` in its worker, or -1. */
  nextRun(run: number): number {
    return this.runNext[run] as number;
  }

  /** A run's class number, its first position in the class, and how many items it has. */
  runClassOf(run: number): number {
    return this.runClass[run] as number;
  }

  runFromOf(run: number): number {
    return this.runFrom[run] as number;
  }

  runCountOf(run: number): number {
    return this.runCount[run] as number;
  }

  /** Calls `visit(of, from, count)` for each run of items in worker `index`, in order. */
  forEachRun(index: number, visit: (of: number, from: number, count: number) => void): void {
    for (let run = this.firstRun[index] as number; run !== -1; run = this.runNext[run] as number) {
      visit(
        this.runClass[run] as number,
        this.runFrom[run] as number,
        this.runCount[run] as number,
      );
    }
  }

  private open(): void {
    if (this.rows === this.cores.length) {
      const size = 2 * this.rows;
      this.cores = grown(this.cores, size);
      this.memoryMb = grown(this.memoryMb, size);
      this.diskKb = grown(this.diskKb, size);
      this.itemCounts = grown(this.itemCounts, size);
      this.firstRun = grown(this.firstRun, size);
      this.lastRun = grown(this.lastRun, size);
    }
    const row = this.rows++;
    this.itemCounts[row] = 0;
    this.cores[row] = this.capacity.cores;
    this.memoryMb[row] = this.capacity.memoryMb;
    this.diskKb[row] = this.capacity.diskKb;
    this.firstRun[row] = -1;
    this.lastRun[row] = -1;
  }

  private addRun(index: number, of: number, from: number, count: number): void {
    if (this.runs === this.runClass.length) {
      const size = 2 * this.runs;
      this.runClass = grown(this.runClass, size);
      this.runFrom = grown(this.runFrom, size);
      this.runCount = grown(this.runCount, size);
      this.runNext = grown(this.runNext, size);
    }
    const run = this.runs++;
    this.runClass[run] = of;
    this.runFrom[run] = from;
    this.runCount[run] = count;
    this.runNext[run] = -1;
    const last = this.lastRun[index] as number;
    if (last === -1) this.firstRun[index] = run;
    else this.runNext[last] = run;
    this.lastRun[index] = run;
  }
}

function grown<T extends Float64Array | Int32Array>(array: T, size: number): T {
  const bigger = new (array.constructor as new (size: number) => T)(size);
  bigger.set(array);
  return bigger;
}
