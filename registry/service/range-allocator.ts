/**
 * Allocates numbers from a range (service cluster IPs, node ports) without
 * collisions, as kube-apiserver does: the range's bitmap is one object in the
 * store (/registry/ranges/serviceips, .../servicenodeports, a v1
 * RangeAllocation with the bitmap base64 in data), and every allocation or
 * release is a compare-and-swap on it, so several API servers on one store
 * never hand out the same number.
 */
import { randomInt } from 'node:crypto';
import { isObjectStorageError, type ObjectStorage } from '../storage/object-storage.js';
import type { KubeObject } from '../generic/types.js';

/** Why an allocation failed. */
export type AllocationFailure = 'Allocated' | 'OutOfRange' | 'Full';

export class AllocationError extends Error {
  readonly reason: AllocationFailure;
  constructor(reason: AllocationFailure, message: string) {
    super(message);
    this.name = 'AllocationError';
    this.reason = reason;
  }
}

function getBit(bits: Buffer, i: number): boolean {
  return ((bits[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
}

function withBit(bits: Buffer, i: number, on: boolean): Buffer {
  const out = Buffer.alloc(Math.max(bits.length, (i >> 3) + 1));
  bits.copy(out);
  out[i >> 3] = on ? out[i >> 3]! | (1 << (i & 7)) : out[i >> 3]! & ~(1 << (i & 7));
  return out;
}

export class RangeAllocator {
  private readonly storage: ObjectStorage;
  private readonly key: string;
  /** The range as written in the object (10.96.0.0/12, 30000-32767). */
  private readonly range: string;
  /** How many numbers the range holds. */
  readonly size: number;

  constructor(storage: ObjectStorage, key: string, range: string, size: number) {
    this.storage = storage;
    this.key = key;
    this.range = range;
    this.size = size;
  }

  private async ensure(): Promise<void> {
    try {
      await this.storage.get(this.key);
    } catch (e) {
      if (!isObjectStorageError(e, 'NotFound')) throw e;
      const fresh: KubeObject = { kind: 'RangeAllocation', apiVersion: 'v1', metadata: { creationTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') }, range: this.range, data: '' };
      try {
        await this.storage.create(this.key, fresh);
      } catch (err) {
        if (!isObjectStorageError(err, 'Exists')) throw err;
      }
    }
  }

  private async change(mutate: (bits: Buffer) => Buffer): Promise<void> {
    await this.ensure();
    await this.storage.guaranteedUpdate(this.key, async (current) => {
      const bits = Buffer.from(String(current.data ?? ''), 'base64');
      return { ...current, range: this.range, data: mutate(bits).toString('base64') };
    });
  }

  /** Takes offset (0-based in the range); Allocated if taken, OutOfRange if outside. */
  async allocate(offset: number): Promise<void> {
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.size) throw new AllocationError('OutOfRange', 'provided port is not in the valid range');
    await this.change((bits) => {
      if (getBit(bits, offset)) throw new AllocationError('Allocated', 'provided IP is already allocated');
      return withBit(bits, offset, true);
    });
  }

  /** Takes a free offset at random (skipping the reserved ones); Full when none is left. */
  async allocateNext(reserved: ReadonlySet<number> = new Set()): Promise<number> {
    let chosen = -1;
    await this.change((bits) => {
      const start = randomInt(this.size);
      for (let i = 0; i < this.size; i++) {
        const offset = (start + i) % this.size;
        if (!reserved.has(offset) && !getBit(bits, offset)) {
          chosen = offset;
          return withBit(bits, offset, true);
        }
      }
      throw new AllocationError('Full', 'range is full');
    });
    return chosen;
  }

  /** Gives offset back; releasing a free or outside offset does nothing. */
  async release(offset: number): Promise<void> {
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.size) return;
    await this.change((bits) => (getBit(bits, offset) ? withBit(bits, offset, false) : bits));
  }

  /** Marks exactly the given offsets as taken (the repair at start from the objects that hold them). */
  async reset(taken: readonly number[]): Promise<void> {
    await this.change(() => {
      let bits: Buffer = Buffer.alloc(0);
      for (const o of taken) if (o >= 0 && o < this.size) bits = withBit(bits, o, true);
      return bits;
    });
  }
}
