// Small deterministic 32-bit hashes for the simulator's log and state digests.

import type { Entry } from '../../storage/raft/core/messages.js';

/** Mixes a value into a running 32-bit hash. */
export function mix(h: number, v: number): number {
  let x = Math.imul((h ^ v) >>> 0, 0x9e3779b1);
  x ^= x >>> 15;
  x = Math.imul(x, 0x85ebca77);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae3d);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A digest of an entry's payload and type. */
export function dataDigest(entry: Pick<Entry, 'type' | 'data'>): number {
  let h = entry.type === 'normal' ? 0x1234567 : 0x7654321;
  const data = entry.data;
  for (let i = 0; i < data.length; i++) h = mix(h, data[i] as number);
  return mix(h, data.length);
}

/** The hash of a log prefix ending with `entry`, given the hash of the prefix before it. */
export function chainHash(prev: number, entry: Entry): number {
  return mix(mix(mix(prev, entry.term), entry.index), dataDigest(entry));
}

/** The application's state hash after applying `entry` to a state with hash `prev`. */
export function stateHash(prev: number, entry: Pick<Entry, 'type' | 'data'>): number {
  return mix(prev ^ 0x5bd1e995, dataDigest(entry));
}
