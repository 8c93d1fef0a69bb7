// Simulated time: a clock that only moves when told to, and the events due at each instant.
// Events at the same time run in the order they were scheduled, so a run is deterministic.

export type SimAction = () => void;

interface Entry {
  time: number;
  seq: number;
  action: SimAction;
}

export class EventQueue {
  private heap: Entry[] = [];
  private seq = 0;
  private current: number;

  constructor(start: number) {
    this.current = start;
  }

  /** Simulated Unix seconds. */
  now(): number {
    return this.current;
  }

  /** Runs `action` at `time` (at once, on the next advance, when `time` is not in the future). */
  at(time: number, action: SimAction): void {
    this.push({ time: Math.max(time, this.current), seq: this.seq++, action });
  }

  /** When the next event is due; undefined when none is. */
  nextTime(): number | undefined {
    return this.heap[0]?.time;
  }

  get size(): number {
    return this.heap.length;
  }

  /** Moves the clock to `time`, running every event due up to and including it, in order. */
  advanceTo(time: number): void {
    for (;;) {
      const head = this.heap[0];
      if (head === undefined || head.time > time) break;
      this.pop();
      this.current = Math.max(this.current, head.time);
      head.action();
    }
    this.current = Math.max(this.current, time);
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Entry, heap[parent] as Entry)) break;
      [heap[i], heap[parent]] = [heap[parent] as Entry, heap[i] as Entry];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop() as Entry;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left] as Entry, heap[smallest] as Entry))
        smallest = left;
      if (right < heap.length && before(heap[right] as Entry, heap[smallest] as Entry))
        smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest] as Entry, heap[i] as Entry];
      i = smallest;
    }
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
