/**
 * Snapshots in etcd's format: a bbolt file with etcd's buckets ("key" holds every
 * kept change keyed by {main, sub} revision bytes, values marshaled
 * mvccpb.KeyValue; "meta" the compaction revisions; "lease" the leases), followed
 * by the SHA-256 of the file, as etcd's Snapshot RPC streams it. etcdctl can read
 * Kite's snapshots (`snapshot status`, `snapshot restore` into a real etcd) and
 * Kite can restore etcd's.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readSync, fstatSync, statSync } from 'node:fs';
import protobuf from 'protobufjs';
import { join } from 'node:path';
import { protoDir } from '../grpc/proto.js';
import { Backend, type StoredChange } from '../mvcc/backend.js';
import type { KvStore } from '../mvcc/kv-store.js';
import { BoltReader, BoltWriter, type Entry } from './bbolt.js';
import { varintField } from '../proto/wire.js';

const root = new protobuf.Root();
root.resolvePath = (_o: string, target: string) => join(protoDir, target.replace(/^.*\//, ''));
root.loadSync(['kv.proto'], { keepCase: false });
const KeyValue = root.lookupType('mvccpb.KeyValue');

const TOMBSTONE = 0x74; // 't'
const SHA256_SIZE = 32;

/** etcd's 17-byte revision key: main (8 bytes, big-endian), '_', sub (8 bytes). */
export function revisionKey(main: number, sub: number, tombstone: boolean): Buffer {
  const b = Buffer.alloc(tombstone ? 18 : 17);
  b.writeBigUInt64BE(BigInt(main), 0);
  b[8] = 0x5f;
  b.writeBigUInt64BE(BigInt(sub), 9);
  if (tombstone) b[17] = TOMBSTONE;
  return b;
}

function parseRevisionKey(b: Buffer): { main: number; sub: number; tombstone: boolean } {
  if ((b.length !== 17 && b.length !== 18) || b[8] !== 0x5f) throw new Error(`snapshot: bad revision key ${b.toString('hex')}`);
  return { main: Number(b.readBigUInt64BE(0)), sub: Number(b.readBigUInt64BE(9)), tombstone: b.length === 18 && b[17] === TOMBSTONE };
}

/** What a snapshot holds besides the key history. */
export interface SnapshotLease {
  readonly id: bigint;
  readonly ttl: number;
}

/**
 * Writes store (as of its current revision) to path as an etcd snapshot; returns
 * the revision it holds. Only changes that compaction keeps are written.
 */
export function writeSnapshot(store: KvStore, leases: readonly SnapshotLease[], consistentIndex: number, path: string): number {
  const revision = store.revision;
  const compacted = store.compactRevision;
  const w = new BoltWriter(path);
  function* keyEntries(): Generator<Entry> {
    for (const { rev, record } of store.storage.records(1, revision + 1)) {
      for (let sub = 0; sub < record.length; sub++) {
        const c = record[sub];
        if (c == null) continue;
        if (rev <= compacted && !store.isKept(c[0], rev, sub)) continue;
        const [key, value, createRevision, version, lease] = c;
        const kv =
          value === null
            ? KeyValue.encode({ key }).finish()
            : KeyValue.encode({ key, createRevision, modRevision: rev, version, value, lease }).finish();
        yield { key: revisionKey(rev, sub, value === null), value: Buffer.from(kv) };
      }
    }
  }
  // etcd's buckets, in its creation order; writeBucket order does not matter to readers.
  for (const empty of ['alarm', 'auth', 'authRoles', 'authUsers', 'cluster', 'members', 'members_removed']) w.writeBucket(empty, []);
  w.writeBucket('key', keyEntries());
  const leaseEntries = [...leases]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((l) => {
      const key = Buffer.alloc(8);
      key.writeBigInt64BE(l.id);
      return { key, value: Buffer.concat([varintField(1, l.id), varintField(2, BigInt(l.ttl))]) };
    });
  w.writeBucket('lease', leaseEntries);
  const meta: Entry[] = [];
  const ci = Buffer.alloc(8);
  ci.writeBigUInt64BE(BigInt(consistentIndex));
  meta.push({ key: Buffer.from('consistent_index'), value: ci });
  if (compacted > 0) {
    meta.push({ key: Buffer.from('finishedCompactRev'), value: revisionKey(compacted, 0, false) });
    meta.push({ key: Buffer.from('scheduledCompactRev'), value: revisionKey(compacted, 0, false) });
  }
  w.writeBucket('meta', meta);
  w.close();
  return revision;
}

/** Checks the SHA-256 etcd appends to a streamed snapshot; returns the database's length. */
export function verifySnapshotHash(path: string): number {
  const size = statSync(path).size;
  if (size % 512 !== SHA256_SIZE) return size; // a plain database file, no hash appended
  const fd = openSync(path, 'r');
  try {
    const hash = createHash('sha256');
    const buf = Buffer.alloc(1 << 20);
    let pos = 0;
    const dbSize = size - SHA256_SIZE;
    while (pos < dbSize) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, dbSize - pos), pos);
      hash.update(buf.subarray(0, n));
      pos += n;
    }
    const want = Buffer.alloc(SHA256_SIZE);
    readSync(fd, want, 0, SHA256_SIZE, dbSize);
    if (!hash.digest().equals(want)) throw new Error(`snapshot ${path}: SHA-256 does not match its content (corrupt or truncated)`);
    return dbSize;
  } finally {
    closeSync(fd);
  }
}

/**
 * Builds a new Kite data dir from an etcd-format snapshot (Kite's or etcd's):
 * every revision of the key history, the compaction revision and the leases.
 * Returns the snapshot's revision.
 */
export async function restoreSnapshot(path: string, dataDir: string): Promise<{ revision: number; keys: number; leases: number }> {
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) throw new Error(`data dir ${dataDir} is not empty; restore needs a new one`);
  verifySnapshotHash(path);
  const reader = new BoltReader(path);
  const backend = Backend.open(dataDir);
  try {
    let revision = 1;
    let keys = 0;
    let record: Array<StoredChange | null> = [];
    let main = 0;
    const writes: Promise<unknown>[] = [];
    const flush = (): void => {
      if (record.length > 0) writes.push(backend.putRecord(main, record));
      record = [];
    };
    for (const e of reader.bucket('key')) {
      const r = parseRevisionKey(e.key);
      if (r.main !== main) {
        flush();
        main = r.main;
      }
      const kv = KeyValue.toObject(KeyValue.decode(e.value), { longs: String, bytes: Buffer, defaults: true }) as { key: Buffer; value: Buffer; createRevision: string; version: string; lease: string };
      while (record.length < r.sub) record.push(null);
      record[r.sub] = r.tombstone ? [kv.key, null, 0, 0, '0'] : [kv.key, kv.value, Number(kv.createRevision), Number(kv.version), kv.lease];
      revision = Math.max(revision, r.main);
      keys++;
      if (writes.length >= 1000) await Promise.all(writes.splice(0));
    }
    flush();
    await Promise.all(writes);
    for (const e of reader.bucket('meta')) {
      const name = e.key.toString();
      if (name === 'finishedCompactRev' || name === 'scheduledCompactRev') {
        const rev = parseRevisionKey(e.value).main;
        await backend.putMeta(name === 'finishedCompactRev' ? 'finishedCompactRevision' : 'scheduledCompactRevision', rev);
        revision = Math.max(revision, rev);
      }
    }
    let leases = 0;
    for (const e of reader.bucket('lease')) {
      const { id, ttl } = decodeLease(e.value);
      await backend.putLease(id, ttl);
      leases++;
    }
    return { revision, keys, leases };
  } finally {
    reader.close();
    await backend.close();
  }
}

/** Decodes etcd's leasepb.Lease {ID = 1, TTL = 2, RemainingTTL = 3}. */
function decodeLease(b: Buffer): { id: bigint; ttl: number } {
  let pos = 0;
  const fields = new Map<number, bigint>();
  while (pos < b.length) {
    const tag = b[pos++]!;
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const byte = b[pos++]!;
      v |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if ((byte & 0x80) === 0) break;
    }
    fields.set(tag >> 3, BigInt.asIntN(64, v));
  }
  return { id: fields.get(1) ?? 0n, ttl: Number(fields.get(2) ?? 0n) };
}

/** Streams a file in chunks, then its SHA-256, as etcd's Snapshot RPC does. */
export function* snapshotChunks(path: string, chunkSize = 32 * 1024): Generator<{ blob: Buffer; remaining: number }> {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const hash = createHash('sha256');
    let pos = 0;
    while (pos < size) {
      const buf = Buffer.alloc(Math.min(chunkSize, size - pos));
      readSync(fd, buf, 0, buf.length, pos);
      hash.update(buf);
      pos += buf.length;
      yield { blob: buf, remaining: size - pos + SHA256_SIZE };
    }
    yield { blob: hash.digest(), remaining: 0 };
  } finally {
    closeSync(fd);
  }
}
