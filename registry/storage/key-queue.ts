/** Runs work now; a synchronous throw becomes a rejection. */
function start<T>(work: () => Promise<T>): Promise<T> {
  try {
    return work();
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * One read-modify-write at a time per key. Updates of one object that this API server makes
 * concurrently would otherwise each read the same revision, each prepare and propose a
 * conditional write, and all but one fail at apply, after a Raft round and a disk sync, to
 * read again and usually answer 409 Conflict. Queued, each later update reads what the
 * one before it wrote and a stale resourceVersion is refused before anything is proposed.
 * The conditional write still decides: other API servers sharing the store are not queued.
 *
 * The work run under a key must not wait for another run under the same key (it would wait
 * for itself).
 */
export class KeyQueue {
  /** The last run queued per key: a run starts once the one before it has settled. */
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key);
    const result = before === undefined ? start(work) : before.then(work);
    // Settles with the work, however it ends, so the next one starts either way; the last
    // run of a key takes the key off the map.
    const settled = (): void => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
    const tail = result.then(settled, settled);
    this.tails.set(key, tail);
    return result;
  }

  /** Keys with a run queued or in progress (for tests). */
  get size(): number {
    return this.tails.size;
  }
}
