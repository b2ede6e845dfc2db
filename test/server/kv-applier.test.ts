import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KvStore } from '../../storage/mvcc/kv-store.js';
import { checkPutRequest, checkTxnRequest, KvApplier } from '../../storage/server/kv-applier.js';
import type { Compare, CompareResult, CompareTarget, RequestOp } from '../../storage/server/kv-requests.js';
import { isStorageError, type StorageErrorCode } from '../../storage/errors.js';
import { tempDir } from '../helpers/processes.js';

const b = (s: string) => Buffer.from(s);
const leases = new Set([7n, 9n]);

async function withApplier(fn: (a: KvApplier, s: KvStore) => Promise<void>): Promise<void> {
  const dir = tempDir('applier');
  const s = KvStore.open(dir.path);
  try {
    await fn(new KvApplier(s, { has: (id) => leases.has(id) }), s);
  } finally {
    await s.close();
    dir.remove();
  }
}

const put = (k: string, v: string, lease = 0n): RequestOp => ({ kind: 'put', put: { key: b(k), value: b(v), lease } });
const get = (k: string): RequestOp => ({ kind: 'range', range: { key: b(k) } });
const del = (k: string, end?: string): RequestOp => ({ kind: 'deleteRange', deleteRange: { key: b(k), rangeEnd: end === undefined ? undefined : b(end) } });

test('txn compares: every target against every result', async () => {
  await withApplier(async (a) => {
    // key k: value "m", created at 2, modified at 3, version 2, lease 7
    await a.put({ key: b('k'), value: b('a') }).write.durable;
    await a.put({ key: b('k'), value: b('m'), lease: 7n }).write.durable;
    const operand: Record<CompareTarget, (x: number) => Partial<Compare>> = {
      VERSION: (x) => ({ version: x }),
      CREATE: (x) => ({ createRevision: x }),
      MOD: (x) => ({ modRevision: x }),
      LEASE: (x) => ({ lease: BigInt(x) }),
      VALUE: (x) => ({ value: b(['l', 'm', 'n'][x]!) }),
    };
    // Actual value per target, expressed so that operand(actual) equals the key's field.
    const actual: Record<CompareTarget, number> = { VERSION: 2, CREATE: 2, MOD: 3, LEASE: 7, VALUE: 1 };
    const expect: Record<CompareResult, (cmp: number) => boolean> = {
      EQUAL: (c) => c === 0,
      NOT_EQUAL: (c) => c !== 0,
      GREATER: (c) => c > 0,
      LESS: (c) => c < 0,
    };
    for (const target of Object.keys(operand) as CompareTarget[]) {
      for (const result of Object.keys(expect) as CompareResult[]) {
        for (const delta of [-1, 0, 1]) {
          const x = actual[target] + delta;
          const c: Compare = { result, target, key: b('k'), ...operand[target](x) };
          const { response } = a.txn({ compare: [c], success: [get('k')], failure: [] });
          // cmp is the key's field compared with the operand: key - operand = -delta.
          assert.equal(response.succeeded, expect[result](-delta), `${target} ${result} with operand ${delta >= 0 ? '+' : ''}${delta}`);
        }
      }
    }
  });
});

test('txn compares on a missing key and over a range', async () => {
  await withApplier(async (a) => {
    await a.put({ key: b('r/1'), value: b('x') }).write.durable;
    await a.put({ key: b('r/2'), value: b('x') }).write.durable;
    const cases: Array<[string, Compare, boolean]> = [
      ['missing key has mod revision 0', { result: 'EQUAL', target: 'MOD', key: b('nope'), modRevision: 0 }, true],
      ['missing key has version 0', { result: 'EQUAL', target: 'VERSION', key: b('nope'), version: 0 }, true],
      ['value compare on a missing key always fails', { result: 'NOT_EQUAL', target: 'VALUE', key: b('nope'), value: b('x') }, false],
      ['range: all equal', { result: 'EQUAL', target: 'VALUE', key: b('r/'), rangeEnd: b('r0'), value: b('x') }, true],
      ['range: one differs', { result: 'GREATER', target: 'MOD', key: b('r/'), rangeEnd: b('r0'), modRevision: 2 }, false],
      ['range: all greater', { result: 'GREATER', target: 'MOD', key: b('r/'), rangeEnd: b('r0'), modRevision: 1 }, true],
    ];
    for (const [name, c, want] of cases) assert.equal(a.txn({ compare: [c] }).response.succeeded, want, name);
  });
});

test('txn: one revision for all writes, responses in order, nested txn', async () => {
  await withApplier(async (a) => {
    const { response, write } = a.txn({
      compare: [{ result: 'EQUAL', target: 'MOD', key: b('x'), modRevision: 0 }],
      success: [put('x', '1'), get('x'), { kind: 'txn', txn: { compare: [{ result: 'EQUAL', target: 'VERSION', key: b('y'), version: 0 }], success: [put('y', '2')], failure: [] } }],
      failure: [],
    });
    await write.durable;
    assert.equal(response.succeeded, true);
    assert.equal(response.revision, 2);
    assert.equal(write.revision, 2);
    assert.deepEqual(response.responses.map((r) => r.kind), ['put', 'range', 'txn']);
    const inner = response.responses[1]!;
    assert.equal(inner.kind === 'range' && inner.range.kvs[0]?.value.toString(), '1', 'a range after a put in the same txn sees it');
    const nested = response.responses[2]!;
    assert.equal(nested.kind === 'txn' && nested.txn.succeeded, true);
    assert.equal(a.range({ key: b('y') }).kvs[0]?.modRevision, 2);
    // Failure branch: a compare that fails runs the else ops.
    const second = a.txn({ compare: [{ result: 'EQUAL', target: 'MOD', key: b('x'), modRevision: 0 }], success: [put('x', 'no')], failure: [get('x')] });
    assert.equal(second.response.succeeded, false);
    assert.equal(second.response.revision, 2, 'a txn that writes nothing does not advance the revision');
  });
});

test('txn validation errors, as etcd', async () => {
  await withApplier(async (a) => {
    const many = Array.from({ length: 129 }, (_, i) => put(`k${i}`, 'v'));
    const cases: Array<[string, Parameters<KvApplier['txn']>[0], StorageErrorCode]> = [
      ['129 ops', { success: many }, 'TooManyOps'],
      ['two puts of one key', { success: [put('a', '1'), put('a', '2')] }, 'DuplicateKey'],
      ['put inside a deleted range', { success: [del('a', 'c'), put('b', '1')] }, 'DuplicateKey'],
      ['nested put duplicating an outer put', { success: [put('a', '1'), { kind: 'txn', txn: { success: [put('a', '2')] } }] }, 'DuplicateKey'],
      ['empty key in compare', { compare: [{ result: 'EQUAL', target: 'VERSION', key: b('') }] }, 'EmptyKey'],
      ['empty key in put', { success: [put('', 'v')] }, 'EmptyKey'],
      ['unknown lease', { success: [put('a', 'v', 5n)] }, 'LeaseNotFound'],
      ['future revision in a range', { success: [{ kind: 'range', range: { key: b('a'), revision: 50 } }] }, 'FutureRevision'],
    ];
    for (const [name, req, code] of cases) {
      // As the member does: the request's own checks when it comes in, then the applier's against the store.
      const admit = (): void => {
        checkTxnRequest(req);
        a.txn(req);
      };
      assert.throws(admit, (e) => isStorageError(e, code), name);
    }
    // then/else of one nested txn may put the same key: only one of them runs.
    await a.txn({ success: [{ kind: 'txn', txn: { success: [put('a', '1')], failure: [put('a', '2')] } }] }).write.durable;
    assert.equal(a.range({ key: b('a') }).count, 1);
    // 128 ops is allowed.
    await a.txn({ success: many.slice(0, 128) }).write.durable;
  });
});

test('put flags and delete counts', async () => {
  await withApplier(async (a) => {
    assert.throws(() => a.put({ key: b('k'), ignoreValue: true }), (e) => isStorageError(e, 'KeyNotFound'));
    // The request's own checks (the member makes them when a put comes in).
    assert.throws(() => checkPutRequest({ key: b('k'), value: b('v'), ignoreValue: true }), (e) => isStorageError(e, 'ValueProvided'));
    assert.throws(() => checkPutRequest({ key: b('k'), ignoreLease: true, lease: 7n }), (e) => isStorageError(e, 'LeaseProvided'));
    assert.throws(() => checkPutRequest({ key: b(''), value: b('v') }), (e) => isStorageError(e, 'EmptyKey'));
    await a.put({ key: b('k'), value: b('v1'), lease: 7n }).write.durable;
    const p = a.put({ key: b('k'), value: b('v2'), ignoreLease: true, prevKv: true });
    await p.write.durable;
    assert.equal(p.response.prevKv?.value.toString(), 'v1');
    assert.equal(a.range({ key: b('k') }).kvs[0]?.lease, 7n, 'ignore_lease keeps the lease');
    await a.put({ key: b('k'), ignoreValue: true }).write.durable;
    assert.equal(a.range({ key: b('k') }).kvs[0]?.value.toString(), 'v2', 'ignore_value keeps the value');
    await a.put({ key: b('k2'), value: b('x') }).write.durable;
    const d = a.deleteRange({ key: b('k'), rangeEnd: b('l'), prevKv: true });
    await d.write.durable;
    assert.equal(d.response.deleted, 2);
    assert.deepEqual(d.response.prevKvs.map((kv) => kv.key.toString()), ['k', 'k2']);
  });
});

test('range: sort, filters, limit and more as etcd computes them', async () => {
  await withApplier(async (a) => {
    // c:2, a:3, b:4, then a again at 5 (version 2)
    for (const [k, v] of [['c', '3'], ['a', '1'], ['b', '2'], ['a', '9']] as const) await a.put({ key: b(k), value: b(v) }).write.durable;
    const keys = (r: ReturnType<KvApplier['range']>) => r.kvs.map((kv) => kv.key.toString()).join('');
    const all = { key: b('\0'), rangeEnd: b('\0') };
    assert.equal(keys(a.range({ ...all })), 'abc');
    assert.equal(keys(a.range({ ...all, sortOrder: 'DESCEND' })), 'cba');
    assert.equal(keys(a.range({ ...all, sortTarget: 'MOD' })), 'cba', 'a target other than KEY sorts ascending by default');
    assert.equal(keys(a.range({ ...all, sortTarget: 'CREATE', sortOrder: 'DESCEND' })), 'bac');
    assert.equal(keys(a.range({ ...all, sortTarget: 'VALUE' })), 'bca');
    assert.equal(keys(a.range({ ...all, sortTarget: 'VERSION', sortOrder: 'DESCEND' })), 'abc', 'ties keep key order');
    const limited = a.range({ ...all, limit: 2 });
    assert.deepEqual([keys(limited), limited.more, limited.count], ['ab', true, 3]);
    const exact = a.range({ ...all, limit: 3 });
    assert.deepEqual([keys(exact), exact.more], ['abc', false]);
    assert.equal(keys(a.range({ ...all, minModRevision: 4 })), 'ab');
    assert.equal(keys(a.range({ ...all, maxCreateRevision: 3 })), 'ac');
    const filtered = a.range({ ...all, minModRevision: 4, limit: 1 });
    assert.deepEqual([keys(filtered), filtered.more, filtered.count], ['a', true, 3], 'count is not reduced by filters');
    const ko = a.range({ key: b('a'), keysOnly: true });
    assert.equal(ko.kvs[0]?.value.length, 0);
    assert.equal(a.range({ key: b('a'), revision: 3 }).kvs[0]?.value.toString(), '1');
  });
});
