// A min-heap of timed events; ties keep insertion order, so a run is deterministic.

interface Slot<T> {
  readonly at: number;
  readonly seq: number;
  readonly item: T;
}

export class EventQueue<T> {
  private heap: Slot<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, item: T): void {
    const heap = this.heap;
    heap.push({ at, seq: this.seq++, item });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(heap[i] as Slot<T>, heap[parent] as Slot<T>)) break;
      [heap[i], heap[parent]] = [heap[parent] as Slot<T>, heap[i] as Slot<T>];
      i = parent;
    }
  }

  /** The time of the earliest event, or Infinity. */
  peekTime(): number {
    return this.heap.length === 0 ? Number.POSITIVE_INFINITY : (this.heap[0] as Slot<T>).at;
  }

  pop(): { at: number; item: T } | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0] as Slot<T>;
    const last = heap.pop() as Slot<T>;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l] as Slot<T>, heap[m] as Slot<T>)) m = l;
        if (r < heap.length && less(heap[r] as Slot<T>, heap[m] as Slot<T>)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m] as Slot<T>, heap[i] as Slot<T>];
        i = m;
      }
    }
    return { at: top.at, item: top.item };
  }
}

function less<T>(a: Slot<T>, b: Slot<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
