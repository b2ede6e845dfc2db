import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { decodeEnvelope, encodeEnvelope, type Envelope } from '../../storage/server/replicated-request.js';
import type { PutRequest } from '../../storage/server/kv-requests.js';

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

const putArb: fc.Arbitrary<PutRequest> = fc.record(
  {
    key: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((a) => Buffer.from(a)),
    value: bytes(300),
    lease: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
    prevKv: fc.boolean(),
    ignoreValue: fc.boolean(),
    ignoreLease: fc.boolean(),
  },
  { requiredKeys: ['key'] },
);
const idArb = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

/** What the applier sees of a put: absent booleans are false, absent value and lease undefined. */
function meaning(p: PutRequest) {
  return {
    key: p.key.toString('hex'),
    value: p.value?.toString('hex'),
    lease: p.lease,
    prevKv: p.prevKv === true,
    ignoreValue: p.ignoreValue === true,
    ignoreLease: p.ignoreLease === true,
  };
}

function decodedPut(data: Uint8Array): { id: bigint; put: PutRequest } {
  const e = decodeEnvelope(data);
  assert.equal(e.request.op, 'put');
  if (e.request.op !== 'put') throw new Error('unreachable');
  return { id: e.id, put: e.request.put };
}

test('a put envelope survives encoding in its binary layout, every field and id included', () => {
  fc.assert(
    fc.property(idArb, putArb, (id, put) => {
      const data = encodeEnvelope({ id, request: { op: 'put', put } });
      assert.equal(data[0], 0x01, 'binary put layout');
      const back = decodedPut(data);
      assert.equal(back.id, id);
      assert.deepEqual(meaning(back.put), meaning(put));
      assert.ok(Buffer.isBuffer(back.put.key) && (back.put.value === undefined || Buffer.isBuffer(back.put.value)));
    }),
    { numRuns: 500 },
  );
});

test('a put carries its caller in the binary layout: a user with its auth revision, the member itself, or no one', () => {
  const callerArb = fc.oneof(
    fc.constant(undefined),
    fc.constant({ kind: 'internal' as const }),
    fc.record({ kind: fc.constant('user' as const), username: fc.string({ minLength: 1, maxLength: 40 }), revision: fc.integer({ min: 1, max: 2 ** 40 }) }),
  );
  fc.assert(
    fc.property(idArb, putArb, callerArb, (id, put, caller) => {
      const data = encodeEnvelope({ id, request: caller === undefined ? { op: 'put', put } : { op: 'put', put, caller } });
      const e = decodeEnvelope(data);
      assert.equal(e.request.op, 'put');
      if (e.request.op !== 'put') return;
      assert.equal(e.id, id);
      assert.deepEqual(meaning(e.request.put), meaning(put));
      assert.deepEqual(e.request.caller, caller === undefined ? undefined : { ...caller });
    }),
    { numRuns: 300 },
  );
  // An anonymous caller (no credentials) takes no bytes: absent means anonymous.
  const anonymous = encodeEnvelope({ id: 1n, request: { op: 'put', put: { key: Buffer.from('k') }, caller: { kind: 'user', username: '', revision: 0 } } });
  assert.equal(decodeEnvelope(anonymous).request.op === 'put' && (decodeEnvelope(anonymous).request as { caller?: unknown }).caller, undefined);
});

test('a decoded put owns its key and value rather than viewing the entry bytes', () => {
  const data = Buffer.from(encodeEnvelope({ id: 7n, request: { op: 'put', put: { key: Buffer.from('k'), value: Buffer.from('v') } } }));
  const { put } = decodedPut(data);
  data.fill(0);
  assert.equal(put.key.toString(), 'k');
  assert.equal(put.value?.toString(), 'v');
});

test('puts written as msgpack by earlier builds still decode', () => {
  // The encoding earlier builds used for every envelope.
  const legacy = new Packr({ useRecords: false, useBigInt64: true, int64AsType: 'bigint', moreTypes: false } as ConstructorParameters<typeof Packr>[0]);
  fc.assert(
    fc.property(idArb, putArb, (id, put) => {
      const back = decodedPut(legacy.pack({ id, request: { op: 'put', put } }));
      assert.equal(back.id, id);
      assert.deepEqual(meaning(back.put), meaning(put));
    }),
    { numRuns: 200 },
  );
});

test('other commands keep the msgpack encoding and round-trip', () => {
  const envelopes: Envelope[] = [
    { id: 1n, request: { op: 'deleteRange', deleteRange: { key: Buffer.from('a'), rangeEnd: Buffer.from('b') } } },
    { id: 2n, request: { op: 'leaseGrant', id: 5n, ttl: 60 } },
    { id: 3n, request: { op: 'noop' } },
    { id: 4n, request: { op: 'txn', txn: { success: [] }, caller: { kind: 'user', username: 'alice', revision: 7 } } },
    { id: 5n, request: { op: 'auth', cmd: { kind: 'roleGrantPermission', name: 'r', perm: { permType: 'READ', key: Buffer.from('/a'), rangeEnd: Buffer.from('/b') } }, caller: { kind: 'internal' } } },
  ];
  for (const e of envelopes) {
    const data = encodeEnvelope(e);
    assert.notEqual(data[0], 0x01);
    assert.deepEqual(decodeEnvelope(data), e);
  }
});

test('a malformed binary put is refused, not misread', () => {
  const good = Buffer.from(encodeEnvelope({ id: 9n, request: { op: 'put', put: { key: Buffer.from('key'), lease: 3n } } }));
  const cases: Array<[string, Buffer]> = [
    ['truncated header', good.subarray(0, 12)],
    ['key longer than the entry', good.subarray(0, good.length - 1)],
    ['bytes after a put without a value', Buffer.concat([good, Buffer.from('x')])],
    ['unknown flag', Buffer.from(good).fill(0x80, 1, 2)],
    ['user name longer than the entry', (() => {
      const withUser = Buffer.from(encodeEnvelope({ id: 9n, request: { op: 'put', put: { key: Buffer.from('k') }, caller: { kind: 'user', username: 'alice', revision: 3 } } }));
      return withUser.subarray(0, 22);
    })()],
  ];
  for (const [what, data] of cases) assert.throws(() => decodeEnvelope(data), /not a Kite request/, what);
});
