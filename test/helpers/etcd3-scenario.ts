// The `etcd3` npm client script of the kube-apiserver's KV forms, shared by the single
// member and cluster differential tests.
import { Etcd3 } from 'etcd3';
import { prefixRangeEnd } from '../../storage/mvcc/key-value.js';

/**
 * The `etcd3` npm client, used the way a real kube-apiserver uses its etcd
 * (../shared/reference/kube-apiserver-etcd-usage.md): single-key gets, prefix
 * lists with count_only, limit and revision (paging), the create / update /
 * delete transactions with one mod_revision compare and a range in the else
 * branch, compaction bookkeeping on compact_rev_key, Compact and Status. The
 * same script runs against real etcd and kite store; transcripts must be equal.
 */
const b = (s: string) => Buffer.from(s);
/** The end of the prefix range of p (the store's own helper). */
const prefixEnd = (p: string): Buffer => prefixRangeEnd(Buffer.from(p));

export type Json = unknown;

/** Strips what differs by design (ids, sizes, version, term) and turns buffers into text. */
function clean(v: unknown): Json {
  if (Buffer.isBuffer(v)) return v.toString();
  if (Array.isArray(v)) return v.map(clean);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v)) {
      if (['cluster_id', 'member_id', 'raft_term', 'dbSize', 'dbSizeInUse', 'leader', 'raftIndex', 'raftAppliedIndex', 'raftTerm'].includes(k)) continue;
      if (k === 'version' && typeof x === 'string' && x.includes('.')) continue; // the server's version string
      out[k] = clean(x);
    }
    return out;
  }
  return v;
}

export async function scenario(client: Etcd3): Promise<Json[]> {
  const kv = client.kv;
  const log: Json[] = [];
  const note = (name: string, v: unknown) => log.push({ name, v: clean(v) });
  const ns = '/registry/configmaps/default/';
  // Create, as the apiserver does: mod_revision == 0 then put, no else.
  const create = (key: string, value: string) =>
    kv.txn({ compare: [{ target: 'Mod', result: 'Equal', key: b(key), mod_revision: 0 }], success: [{ request_put: { key: b(key), value: b(value) } }], failure: [] });
  for (let i = 0; i < 7; i++) note(`create cm${i}`, await create(`${ns}cm${i}`, `{"n":${i}}`));
  note('create again conflicts', await create(`${ns}cm0`, '{"dup":true}'));
  note('create other ns', await create('/registry/configmaps/kube-system/x', '{}'));
  // Single-key get and the health key.
  note('get one', await kv.range({ key: b(`${ns}cm3`) }));
  note('get health key', await kv.range({ key: b('/registry/health') }));
  // Counting objects per resource.
  note('count', await kv.range({ key: b('/registry/configmaps/'), range_end: prefixEnd('/registry/configmaps/'), count_only: true }));
  // Paged list: limit, then continue from the last key at the first page's revision.
  const page1 = await kv.range({ key: b(ns), range_end: prefixEnd(ns), limit: 3 });
  note('page 1', page1);
  const rev = page1.header.revision;
  // A write between the pages must not show up in page 2 (read at the list's revision).
  const cm5 = (await kv.range({ key: b(`${ns}cm5`) })).kvs[0]!;
  note('update between pages', await kv.txn({ compare: [{ target: 'Mod', result: 'Equal', key: b(`${ns}cm5`), mod_revision: cm5.mod_revision }], success: [{ request_put: { key: b(`${ns}cm5`), value: b('{"n":55}') } }], failure: [{ request_range: { key: b(`${ns}cm5`) } }] }));
  const last = page1.kvs[page1.kvs.length - 1]!.key;
  const next = Buffer.concat([last, Buffer.from([0])]);
  note('page 2 at the list revision', await kv.range({ key: next, range_end: prefixEnd(ns), limit: 3, revision: rev }));
  note('plain prefix', await kv.range({ key: b(ns), range_end: prefixEnd(ns) }));
  note('watch-cache fill', await kv.range({ key: b('/registry/'), range_end: prefixEnd('/registry/'), limit: 10000 }));
  // Update with the right and a stale mod_revision; else branch returns the current object.
  const cur = (await kv.range({ key: b(`${ns}cm1`) })).kvs[0]!;
  const update = (modRevision: string | number, value: string) =>
    kv.txn({
      compare: [{ target: 'Mod', result: 'Equal', key: b(`${ns}cm1`), mod_revision: modRevision }],
      success: [{ request_put: { key: b(`${ns}cm1`), value: b(value) } }],
      failure: [{ request_range: { key: b(`${ns}cm1`) } }],
    });
  note('update ok', await update(cur.mod_revision, '{"n":11}'));
  note('update stale', await update(cur.mod_revision, '{"n":12}'));
  // Delete with precondition, and with a stale one.
  const c2 = (await kv.range({ key: b(`${ns}cm2`) })).kvs[0]!;
  const del = (modRevision: string | number) =>
    kv.txn({
      compare: [{ target: 'Mod', result: 'Equal', key: b(`${ns}cm2`), mod_revision: modRevision }],
      success: [{ request_delete_range: { key: b(`${ns}cm2`) } }],
      failure: [{ request_range: { key: b(`${ns}cm2`) } }],
    });
  note('delete ok', await del(c2.mod_revision));
  note('delete stale', await del(c2.mod_revision));
  // Compaction bookkeeping: version(compact_rev_key) == N then put else range; then Compact.
  const compactKey = b('compact_rev_key');
  const bookkeep = async (version: number) =>
    kv.txn({
      compare: [{ target: 'Version', result: 'Equal', key: compactKey, version }],
      success: [{ request_put: { key: compactKey, value: b(String(rev)) } }],
      failure: [{ request_range: { key: compactKey } }],
    });
  note('compact bookkeeping v0', await bookkeep(0));
  note('compact bookkeeping v0 again', await bookkeep(0));
  note('compact', await kv.compact({ revision: rev, physical: false }));
  note('read at compacted revision - 1', await kv.range({ key: b(ns), range_end: prefixEnd(ns), revision: Number(rev) - 1 }).catch((e: Error) => e.message));
  note('status', await client.maintenance.status());
  // The high-level API too.
  await client.put('/plain/a').value('1');
  note('high-level get', await client.get('/plain/a').string());
  note('high-level prefix keys', await client.getAll().prefix('/registry/configmaps/').keys());
  note('high-level count', await client.getAll().prefix('/registry/').count());
  return log;
}
