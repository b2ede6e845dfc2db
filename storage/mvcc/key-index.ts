import sortedBtree from 'sorted-btree';
import type { Revision } from './revision.js';

// sorted-btree is CommonJS: its class is the `default` property of module.exports.
const BTree = sortedBtree.default;
type BTree<K, V> = import('sorted-btree').default<K, V>;

/**
 * One life of a key: from its creation to its deletion. The last revision of a
 * generation that is not the key's newest is the tombstone that ended it.
 */
interface Generation {
  /** Number of versions the key had in this life, counting the tombstone. */
  ver: number;
  /** The revision that created the key in this life. */
  created: Revision;
  /** Every revision of the key in this life, ascending. */
  revs: Revision[];
}

/** What a key looked like at some revision. */
export interface KeyVersion {
  /** The revision of the change that produced this version. */
  readonly modRevision: Revision;
  /** The revision that created the key in its current life. */
  readonly createRevision: Revision;
  /** 1 on creation, +1 for each change since. */
  readonly version: number;
}

/**
 * The generations of one key, etcd's keyIndex.
 *
 * There is one per key the store holds, so its arrays start at their exact size: an array
 * grown by push from empty reserves room for 17 elements, some 270 bytes a key that is
 * written once (27 MiB of 100,000 ConfigMaps). Compaction cuts them back to size.
 */
class KeyHistory {
  /** Newest generation last; it is empty when the key's newest change was a delete. */
  generations: Generation[] = [];

  put(rev: Revision): void {
    const g = this.generations[this.generations.length - 1];
    if (g === undefined) {
      this.generations = [{ ver: 1, created: rev, revs: [rev] }];
    } else if (g.revs.length === 0) {
      g.created = rev;
      g.revs = [rev];
      g.ver++;
    } else {
      g.revs.push(rev);
      g.ver++;
    }
  }

  /** Starts the key's life at an arbitrary version, as found when rebuilding from disk. */
  restore(created: Revision, modified: Revision, ver: number): void {
    this.addGenerations({ ver, created, revs: [modified] });
  }

  /** Records a life of which only its tombstone is left (kept by compaction at its revision). */
  restoreTombstone(rev: Revision): void {
    this.addGenerations({ ver: 1, created: rev, revs: [rev] }, { ver: 0, created: rev, revs: [] });
  }

  /** Ends the key's current life with a tombstone at rev. */
  tombstone(rev: Revision): void {
    this.put(rev);
    this.addGenerations({ ver: 0, created: rev, revs: [] });
  }

  private addGenerations(...added: Generation[]): void {
    if (this.generations.length === 0) this.generations = added;
    else this.generations.push(...added);
  }

  /** Whether the key exists (is not deleted) at the head. */
  isLive(): boolean {
    const g = this.generations[this.generations.length - 1];
    return g !== undefined && g.revs.length > 0;
  }

  /** The key's version as of store revision atRev, or undefined if it did not exist then. */
  get(atRev: number): KeyVersion | undefined {
    for (let gi = this.generations.length - 1; gi >= 0; gi--) {
      const g = this.generations[gi]!;
      if (g.revs.length === 0) continue;
      const isEnded = gi < this.generations.length - 1;
      if (isEnded && g.revs[g.revs.length - 1]!.main <= atRev) return undefined; // deleted by then
      if (g.revs[0]!.main > atRev) continue; // this life starts later
      for (let i = g.revs.length - 1; i >= 0; i--) {
        const r = g.revs[i]!;
        if (r.main <= atRev) {
          return { modRevision: r, createRevision: g.created, version: g.ver - (g.revs.length - 1 - i) };
        }
      }
    }
    return undefined;
  }

  /** Whether rev is still one of the key's recorded revisions. */
  has(rev: Revision): boolean {
    for (const g of this.generations) {
      for (const r of g.revs) if (r.main === rev.main && r.sub === rev.sub) return true;
    }
    return false;
  }

  /**
   * Forgets every revision that no read or watch from atRev on can need: whole
   * lives that ended before atRev, and inside the life current at atRev everything
   * before its newest revision <= atRev. A tombstone at exactly atRev stays, so a
   * watch starting at the compact revision still sees that delete. Returns whether
   * the key has nothing left.
   */
  compact(atRev: number): boolean {
    const last = this.generations.length - 1;
    let first = 0;
    while (first < last) {
      const g = this.generations[first]!;
      const tomb = g.revs[g.revs.length - 1];
      if (tomb !== undefined && tomb.main >= atRev) break;
      first++;
    }
    if (first > 0) this.generations = this.generations.slice(first);
    const g = this.generations[0];
    if (g !== undefined && g.revs.length > 0) {
      let keepFrom = -1;
      for (let i = g.revs.length - 1; i >= 0; i--) {
        if (g.revs[i]!.main <= atRev) {
          keepFrom = i;
          break;
        }
      }
      if (keepFrom > 0) g.revs = g.revs.slice(keepFrom);
    }
    return this.generations.length === 1 && this.generations[0]!.revs.length === 0;
  }
}

/** A key as the index hands it out: its bytes as a latin1 string, and its version. */
export interface IndexedKey {
  readonly key: string;
  readonly version: KeyVersion;
}

/**
 * The in-memory index of every key's revisions, ordered by key bytes. Keys are
 * latin1 strings so that JavaScript string order is byte order.
 */
export class KeyIndex {
  private readonly tree: BTree<string, KeyHistory> = new BTree<string, KeyHistory>();
  /** Keys that exist (are not deleted) at the head. */
  private live = 0;

  /** Records a put of key at rev. */
  put(key: string, rev: Revision): void {
    const h = this.history(key);
    if (!h.isLive()) this.live++;
    h.put(rev);
  }

  /** Records a key found on disk with its creation, modification and version. */
  restore(key: string, created: Revision, modified: Revision, ver: number): void {
    const h = this.tree.get(key);
    if (h === undefined || !h.isLive()) {
      this.history(key).restore(created, modified, ver);
      this.live++;
    } else {
      h.put(modified);
    }
  }

  /** Records a tombstone found on disk for a key that is not live (its life was compacted away). */
  restoreTombstone(key: string, rev: Revision): void {
    this.history(key).restoreTombstone(rev);
  }

  /** Records the deletion of key at rev; the key must be live. */
  tombstone(key: string, rev: Revision): void {
    const h = this.tree.get(key);
    if (h === undefined || !h.isLive()) throw new Error(`key index: tombstone of a key that is not live`);
    h.tombstone(rev);
    this.live--;
  }

  /** The key's version at atRev, or undefined. */
  get(key: string, atRev: number): KeyVersion | undefined {
    return this.tree.get(key)?.get(atRev);
  }

  /** Whether the index still holds rev for key. */
  has(key: string, rev: Revision): boolean {
    return this.tree.get(key)?.has(rev) ?? false;
  }

  /**
   * Calls fn for each key in [start, end) that exists at atRev, in key order;
   * end undefined means every key >= start. fn returns false to stop.
   */
  range(start: string, end: string | undefined, atRev: number, fn: (k: IndexedKey) => boolean | void): void {
    for (const [key, h] of this.tree.entries(start)) {
      if (end !== undefined && key >= end) break;
      const version = h.get(atRev);
      if (version !== undefined && fn({ key, version }) === false) break;
    }
  }

  /** Compacts every key at atRev, dropping keys that have nothing left. */
  compact(atRev: number): void {
    const empty: string[] = [];
    this.tree.forEachPair((key, h) => {
      if (h.compact(atRev)) empty.push(key);
    });
    for (const key of empty) this.tree.delete(key);
  }

  /** Number of keys with any recorded history. */
  get size(): number {
    return this.tree.size;
  }

  /** Number of keys that exist (are not deleted) at the head, as etcd's keys gauge counts. */
  get liveKeys(): number {
    return this.live;
  }

  private history(key: string): KeyHistory {
    let h = this.tree.get(key);
    if (h === undefined) {
      h = new KeyHistory();
      this.tree.set(key, h);
    }
    return h;
  }
}
