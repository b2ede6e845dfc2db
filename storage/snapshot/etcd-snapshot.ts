/**
 * Snapshots in etcd's format: a bbolt file with etcd's buckets ("key" holds every
 * kept change keyed by {main, sub} revision bytes, values marshaled
 * mvccpb.KeyValue; "meta" the compaction revisions; "lease" the leases; "auth",
 * "authUsers" and "authRoles" the auth store), followed by the SHA-256 of the
 * file, as etcd's Snapshot RPC streams it. etcdctl can read
 * Kite's snapshots (`snapshot status`, `snapshot restore` into a real etcd) and
 * Kite can restore etcd's.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readSync, fstatSync, statSync } from 'node:fs';
import protobuf from 'protobufjs';
import { join } from 'node:path';
import { protoDir } from '../proto/proto-dir.js';
import { Backend, type StoredChange } from '../mvcc/backend.js';
import type { KvStore } from '../mvcc/kv-store.js';
import type { StoredAuth } from '../auth/auth-store.js';
import type { PermissionType } from '../auth/auth-info.js';
import { BoltReader, BoltWriter, type Entry } from './bbolt.js';
import { varintField } from '../proto/wire.js';

const root = new protobuf.Root();
root.resolvePath = (_o: string, target: string) => join(protoDir, target.replace(/^.*\//, ''));
root.loadSync(['kv.proto', 'auth.proto'], { keepCase: false });
const KeyValue = root.lookupType('mvccpb.KeyValue');
const AuthUser = root.lookupType('authpb.User');
const AuthRole = root.lookupType('authpb.Role');

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
export function writeSnapshot(store: KvStore, leases: readonly SnapshotLease[], auth: StoredAuth, consistentIndex: number, path: string): number {
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
  for (const empty of ['alarm', 'cluster', 'members', 'members_removed']) w.writeBucket(empty, []);
  for (const [bucket, entries] of authBuckets(auth)) w.writeBucket(bucket, entries);
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

/**
 * How a restore treats the SHA-256 etcd appends to a streamed snapshot: check it when there is
 * one ('if-present': a plain database file passes too), insist on it ('required', etcdctl's
 * default), or ignore it ('skip', etcdctl's --skip-hash-check).
 */
export type HashCheck = 'if-present' | 'required' | 'skip';

/** Whether the file ends in a SHA-256 after its pages, as etcd tells (its size is 32 past a page multiple). */
export function hasSnapshotHash(path: string): boolean {
  return statSync(path).size % 512 === SHA256_SIZE;
}

/** Checks the SHA-256 etcd appends to a streamed snapshot; returns the database's length. */
export function verifySnapshotHash(path: string, check: HashCheck = 'if-present'): number {
  const size = statSync(path).size;
  if (check === 'skip') return size;
  if (size % 512 !== SHA256_SIZE) {
    // etcdctl's words for a database copied from a data dir without the flag.
    if (check === 'required') throw new Error('snapshot missing hash but --skip-hash-check=false');
    return size; // a plain database file, no hash appended
  }
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

/** What a restore brought into the new data dir. */
export interface RestoredSnapshot {
  readonly revision: number;
  readonly keys: number;
  readonly leases: number;
  readonly users: number;
  readonly roles: number;
  readonly authEnabled: boolean;
}

/**
 * Builds a new Kite data dir from an etcd-format snapshot (Kite's or etcd's):
 * every revision of the key history, the compaction revision, the leases and
 * the auth store (users, roles, whether auth is on, the auth revision). A file
 * whose hash is skipped may still end in one: the reader only follows page ids,
 * so the 32 bytes after the last page are never read.
 */
export async function restoreSnapshot(path: string, dataDir: string, hashCheck: HashCheck = 'if-present'): Promise<RestoredSnapshot> {
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) throw new Error(`data dir ${dataDir} is not empty; restore needs a new one`);
  verifySnapshotHash(path, hashCheck);
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
    const auth = readAuth(reader);
    if (auth !== undefined) await backend.putMeta('auth', auth);
    return { revision, keys, leases, users: auth?.users.length ?? 0, roles: auth?.roles.length ?? 0, authEnabled: auth?.enabled ?? false };
  } finally {
    reader.close();
    await backend.close();
  }
}

const PERMISSION_TYPES: readonly PermissionType[] = ['READ', 'WRITE', 'READWRITE'];

/**
 * The auth store as etcd keeps it: "auth" holds authEnabled (one byte) and
 * authRevision (big-endian uint64); "authUsers" and "authRoles" map names to
 * marshaled authpb.User and authpb.Role, in name order.
 */
function authBuckets(auth: StoredAuth): Array<[string, Entry[]]> {
  const revision = Buffer.alloc(8);
  revision.writeBigUInt64BE(BigInt(auth.revision));
  const byKey = (a: Entry, b: Entry): number => Buffer.compare(a.key, b.key);
  const users = auth.users.map((u) => {
    const user: Record<string, unknown> = { name: Buffer.from(u.name), roles: u.roles, options: u.noPassword ? { noPassword: true } : {} };
    if (u.passwordHash !== undefined) user.password = Buffer.from(u.passwordHash);
    return { key: Buffer.from(u.name), value: Buffer.from(AuthUser.encode(user).finish()) };
  });
  const roles = auth.roles.map((r) => {
    const keyPermission = r.permissions.map((p) => {
      // Zero values stay off the wire, as etcd marshals them.
      const perm: Record<string, unknown> = { key: Buffer.from(p.key, 'base64') };
      if (p.permType !== 'READ') perm.permType = PERMISSION_TYPES.indexOf(p.permType);
      if (p.rangeEnd !== '') perm.rangeEnd = Buffer.from(p.rangeEnd, 'base64');
      return perm;
    });
    return { key: Buffer.from(r.name), value: Buffer.from(AuthRole.encode({ name: Buffer.from(r.name), keyPermission }).finish()) };
  });
  return [
    ['auth', [{ key: Buffer.from('authEnabled'), value: Buffer.from([auth.enabled ? 1 : 0]) }, { key: Buffer.from('authRevision'), value: revision }]],
    ['authRoles', roles.sort(byKey)],
    ['authUsers', users.sort(byKey)],
  ];
}

/** Reads the auth store back from a snapshot's buckets; undefined when it has none. */
function readAuth(reader: BoltReader): StoredAuth | undefined {
  let enabled = false;
  let revision: number | undefined;
  for (const e of reader.bucket('auth')) {
    const name = e.key.toString();
    if (name === 'authEnabled') enabled = e.value[0] === 1;
    else if (name === 'authRevision' && e.value.length === 8) revision = Number(e.value.readBigUInt64BE(0));
  }
  const decoded = { longs: String, bytes: Buffer, defaults: true, enums: Number };
  const users = [...reader.bucket('authUsers')].map((e) => {
    const u = AuthUser.toObject(AuthUser.decode(e.value), decoded) as { name: Buffer; password: Buffer; roles: string[]; options?: { noPassword: boolean } };
    const noPassword = u.options?.noPassword ?? false;
    return { name: u.name.toString(), ...(u.password.length > 0 ? { passwordHash: u.password.toString() } : {}), roles: [...u.roles].sort(), noPassword };
  });
  const roles = [...reader.bucket('authRoles')].map((e) => {
    const r = AuthRole.toObject(AuthRole.decode(e.value), decoded) as { name: Buffer; keyPermission: { permType: number; key: Buffer; rangeEnd: Buffer }[] };
    const permissions = r.keyPermission.map((p) => {
      const permType = PERMISSION_TYPES[p.permType];
      if (permType === undefined) throw new Error(`snapshot: role ${r.name.toString()} has a permission of unknown type ${p.permType}`);
      return { permType, key: p.key.toString('base64'), rangeEnd: p.rangeEnd.toString('base64') };
    });
    return { name: r.name.toString(), permissions };
  });
  if (revision === undefined && users.length === 0 && roles.length === 0) return undefined;
  return { enabled, revision: revision ?? 1, users, roles };
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
