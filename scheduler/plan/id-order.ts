// The demand cache's jobs in job id order, kept as columns. Each job in the order holds a slot
// (a number it keeps while it stays in the order); what the cycle's walk of the order reads of it
// (the cycle it was last listed in, its index in that list, its outcome, its id key) sits in
// typed arrays by slot. The walk then reads a few hundred kilobytes in order instead of reaching
// into every job's record, which lie far apart in memory.

import { compareText } from "./match.js";

/** What a slot's job is this cycle: a class number (>= 0), or one of these. */
export const REJECTED = -1;
export const NO_OUTCOME = -2;

/**
 * Job id order between two jobs: by their id keys where both have one (idKey orders as the text
 * does), else by the id text. The one rule the demand cache, its id order and owner queues share.
 */
export function compareJobIds(
  a: { readonly key: number; readonly id: string },
  b: { readonly key: number; readonly id: string },
): number {
  if (a.key >= 0 && b.key >= 0) return sign(a.key, b.key);
  return compareText(a.id, b.id);
}

/**
 * -1, 0 or 1 as `a` is below, equal to or above `b`. Not their difference: id keys pass a small
 * integer's range, and a difference returned would be a heap number (an allocation per compare;
 * the id walk compares once per job).
 */
function sign(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A job record as the order knows it. */
export interface Slotted {
  readonly id: string;
  /** A number that orders ids as their text, or -1 (the id text is compared). */
  readonly key: number;
  /** Its slot while it is in the order, else -1. */
  slot: number;
}

export class IdOrder<E extends Slotted> {
  /** Per slot: the cycle its job was last listed in, its index there, its outcome. */
  cycle: Int32Array = new Int32Array(0);
  index: Int32Array = new Int32Array(0);
  outcome: Int32Array = new Int32Array(0);
  /** Per slot: its job's id key, and the job record. */
  key: Float64Array = new Float64Array(0);
  private entries: (E | undefined)[] = [];
  private readonly free: number[] = [];
  private used = 0;
  /** Slots in job id order (the first `length`). */
  slots: Int32Array = new Int32Array(0);
  length = 0;
  /** The buffer the order before this one was in: the next walk writes its order there. */
  private spare: Int32Array = new Int32Array(0);

  /** Room for the next order, at least `length` slots long (not the current order's buffer). */
  nextOrder(length: number): Int32Array {
    if (this.spare.length < length) this.spare = new Int32Array(Math.ceil(length * 1.25));
    return this.spare;
  }

  /** The next order, written into nextOrder()'s buffer: the current one's becomes the spare. */
  setOrder(order: Int32Array, length: number): void {
    if (order !== this.slots) this.spare = this.slots;
    this.slots = order;
    this.length = length;
  }

  /** The job record in `slot`. */
  entry(slot: number): E {
    return this.entries[slot] as E;
  }

  /** Room for `more` slots beyond those in use, so taking them grows no column. */
  reserve(more: number): void {
    const needed = this.used + Math.max(0, more - this.free.length);
    if (needed > this.cycle.length) this.grow(Math.max(1024, needed, 2 * this.used));
  }

  /** Gives `entry` a slot, with what the walk reads of it this cycle. */
  take(entry: E, cycle: number, index: number, outcome: number): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.used === this.cycle.length) this.grow(Math.max(1024, 2 * this.used));
      slot = this.used++;
    }
    this.cycle[slot] = cycle;
    this.index[slot] = index;
    this.outcome[slot] = outcome;
    this.key[slot] = entry.key;
    this.entries[slot] = entry;
    entry.slot = slot;
    return slot;
  }

  /** Frees `slot`: its job left the order. */
  release(slot: number): void {
    const entry = this.entries[slot] as E;
    entry.slot = -1;
    this.entries[slot] = undefined;
    this.free.push(slot);
  }

  /** Whether the jobs in two slots have one id. */
  sameId(a: number, b: number): boolean {
    const ka = this.key[a] as number;
    const kb = this.key[b] as number;
    return ka >= 0 || kb >= 0 ? ka === kb : this.entry(a).id === this.entry(b).id;
  }

  /** Job id order between a job record and the job in `slot`. */
  compareTo(entry: E, slot: number): number {
    const key = this.key[slot] as number;
    // The key column first: the record is reached only for ids without a key.
    if (entry.key >= 0 && key >= 0) return sign(entry.key, key);
    return compareJobIds(entry, this.entry(slot));
  }

  private grow(capacity: number): void {
    const int32 = (old: Int32Array) => {
      const bigger = new Int32Array(capacity);
      bigger.set(old);
      return bigger;
    };
    this.cycle = int32(this.cycle);
    this.index = int32(this.index);
    this.outcome = int32(this.outcome);
    const key = new Float64Array(capacity);
    key.set(this.key);
    this.key = key;
  }
}
