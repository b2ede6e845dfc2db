import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EntryType, MessageType, message, type Entry, type Message } from '../../storage/raft/core/messages.js';
import { SeededRandom } from '../../storage/raft/core/random.js';
import { MessageCodecError, decodeMessages, encodeMessages } from '../../storage/raft/message-codec.js';

const MAX_U64 = (1n << 64n) - 1n;
const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

function roundTrip(msgs: readonly Message[]): Message[] {
  return decodeMessages(encodeMessages(msgs));
}

const entry = (index: number, term: number, data: Uint8Array, type: EntryType = EntryType.Normal): Entry => ({ term, index, type, data });

/** One message of every type, each with the fields that type uses. */
function everyType(): Message[] {
  const from = 0x8e9e05c52164694dn;
  const to = MAX_U64;
  return [
    message({ type: MessageType.Hup, from, to: from }),
    message({ type: MessageType.Beat, from, to: from }),
    message({ type: MessageType.CheckQuorum, from, to: from }),
    message({ type: MessageType.Prop, from, to, entries: [entry(0, 0, bytes(1, 2, 3)), entry(0, 0, new Uint8Array(0))] }),
    message({
      type: MessageType.App,
      from,
      to,
      term: 7,
      logTerm: 6,
      index: 41,
      commit: 40,
      entries: [entry(42, 7, new Uint8Array(0)), entry(43, 7, bytes(0, 255, 128, 0)), entry(44, 7, bytes(9, 1, 2), EntryType.ConfChange)],
    }),
    message({ type: MessageType.AppResp, from: to, to: from, term: 7, index: 44 }),
    message({ type: MessageType.AppResp, from: to, to: from, term: 7, index: 50, reject: true, rejectHint: 30, logTerm: 5 }),
    message({ type: MessageType.Vote, from, to, term: 8, logTerm: 7, index: 44, transfer: true }),
    message({ type: MessageType.VoteResp, from: to, to: from, term: 8, reject: true }),
    message({ type: MessageType.PreVote, from, to, term: 9, logTerm: 7, index: 44 }),
    message({ type: MessageType.PreVoteResp, from: to, to: from, term: 9 }),
    message({
      type: MessageType.Snap,
      from,
      to,
      term: 8,
      snapshot: {
        metadata: { index: 1000, term: 8, confState: { voters: [1n, from, MAX_U64], learners: [2n ** 63n] } },
        data: bytes(7, 7, 7),
      },
    }),
    message({
      type: MessageType.Snap,
      from,
      to,
      term: 8,
      snapshot: { metadata: { index: 5, term: 2, confState: { voters: [], learners: [] } }, data: new Uint8Array(0) },
    }),
    message({ type: MessageType.Heartbeat, from, to, term: 8, commit: 999, context: bytes(0, 0, 0, 0, 0, 0, 0, 42) }),
    message({ type: MessageType.HeartbeatResp, from: to, to: from, term: 8, context: bytes(0, 0, 0, 0, 0, 0, 0, 42) }),
    message({ type: MessageType.TransferLeader, from: to, to: from, term: 8, index: 3 }),
    message({ type: MessageType.TimeoutNow, from, to, term: 8 }),
    message({ type: MessageType.ReadIndex, from: to, to: from, entries: [entry(0, 0, bytes(1, 2, 3, 4, 5, 6, 7, 8))] }),
    message({ type: MessageType.ReadIndexResp, from, to, term: 8, index: 999, entries: [entry(0, 0, bytes(1, 2, 3, 4, 5, 6, 7, 8))] }),
  ];
}

test('every message type round-trips with all its fields', () => {
  const msgs = everyType();
  const covered = new Set(msgs.map((m) => m.type));
  for (const t of Object.values(MessageType)) assert.ok(covered.has(t), `test covers ${t}`);
  assert.deepStrictEqual(roundTrip(msgs), msgs);
  for (const m of msgs) assert.deepStrictEqual(roundTrip([m]), [m], m.type);
});

test('empty batch, extreme ids and the largest safe numbers round-trip', () => {
  assert.deepStrictEqual(roundTrip([]), []);
  const big = Number.MAX_SAFE_INTEGER;
  const m = message({
    type: MessageType.App,
    from: MAX_U64,
    to: 0n,
    term: big,
    logTerm: big - 1,
    index: 2 ** 31,
    commit: 2 ** 32 - 1,
    rejectHint: 127,
    entries: [entry(big, 2 ** 35, bytes(1))],
  });
  assert.deepStrictEqual(roundTrip([m]), [m]);
});

test('decoded byte fields are plain Uint8Arrays, independent of the input', () => {
  const m = message({ type: MessageType.App, from: 1n, to: 2n, entries: [entry(1, 1, bytes(1, 2, 3))], context: bytes(9) });
  const wire = encodeMessages([m]);
  const [got] = decodeMessages(wire);
  assert.ok(got !== undefined);
  wire.fill(0);
  assert.deepStrictEqual(got.entries[0]?.data, bytes(1, 2, 3));
  assert.deepStrictEqual(got.context, bytes(9));
  assert.equal(Object.getPrototypeOf(got.context), Uint8Array.prototype);
  assert.equal(Object.getPrototypeOf(got.entries[0]?.data), Uint8Array.prototype);
});

test('decodes from a Uint8Array that is a window into a larger buffer', () => {
  const msgs = everyType();
  const wire = encodeMessages(msgs);
  const backing = new Uint8Array(wire.length + 10);
  backing.set(wire, 5);
  assert.deepStrictEqual(decodeMessages(backing.subarray(5, 5 + wire.length)), msgs);
});

const arbId = fc.bigInt({ min: 0n, max: MAX_U64 });
const arbNum = fc.oneof(fc.nat(200), fc.maxSafeNat());
const arbBytes = fc.uint8Array({ maxLength: 40 });
// fast-check builds null-prototype records by default; the decoder builds plain objects.
const plain = { noNullPrototype: true } as const;
const arbEntry: fc.Arbitrary<Entry> = fc.record(
  {
    term: arbNum,
    index: arbNum,
    type: fc.constantFrom(EntryType.Normal, EntryType.ConfChange),
    data: arbBytes,
  },
  plain,
);
const arbConfState = fc.record({ voters: fc.array(arbId, { maxLength: 5 }), learners: fc.array(arbId, { maxLength: 3 }) }, plain);
const arbSnapshot = fc.record({ metadata: fc.record({ index: arbNum, term: arbNum, confState: arbConfState }, plain), data: arbBytes }, plain);
const arbMessage: fc.Arbitrary<Message> = fc
  .record({
    type: fc.constantFrom(...Object.values(MessageType)),
    from: arbId,
    to: arbId,
    term: arbNum,
    logTerm: arbNum,
    index: arbNum,
    entries: fc.array(arbEntry, { maxLength: 4 }),
    commit: arbNum,
    snapshot: fc.option(arbSnapshot, { nil: undefined }),
    reject: fc.boolean(),
    rejectHint: arbNum,
    context: arbBytes,
    transfer: fc.boolean(),
  })
  .map((init) => message(init));

test('arbitrary messages round-trip', () => {
  fc.assert(
    fc.property(fc.array(arbMessage, { maxLength: 6 }), (msgs) => {
      assert.deepStrictEqual(roundTrip(msgs), msgs);
    }),
    { numRuns: 500 },
  );
});

function assertRejected(buf: Uint8Array, what: string): void {
  assert.throws(() => decodeMessages(buf), MessageCodecError, what);
}

test('garbage is rejected with MessageCodecError', () => {
  assertRejected(new Uint8Array(0), 'empty input');
  assertRejected(bytes(2, 0), 'unknown version');
  assertRejected(bytes(1), 'missing count');
  assertRejected(bytes(1, 1), 'count without messages');
  assertRejected(bytes(1, 0, 0), 'trailing bytes');
  assertRejected(bytes(1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), 'varint longer than 8 bytes');
  assertRejected(bytes(1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), 'varint above 2^53');
  assertRejected(bytes(1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f), 'a count of 2^53-1 with nothing behind it');
  assertRejected(bytes(1, 1, 99), 'unknown message type');
  assertRejected(bytes(1, 1, 0, 0x80), 'unknown flags');
  assert.throws(() => decodeMessages(bytes(2)), /malformed raft message batch at byte 0: unknown format version 2/);
});

test('every truncation and random corruption of a valid batch fails cleanly', () => {
  const wire = encodeMessages(everyType());
  for (let n = 0; n < wire.length; n++) assertRejected(wire.subarray(0, n), `truncated to ${n} bytes`);

  const rnd = new SeededRandom(7);
  for (let i = 0; i < 5000; i++) {
    const copy = Uint8Array.from(wire);
    const flips = 1 + rnd.intn(4);
    for (let f = 0; f < flips; f++) copy[rnd.intn(copy.length)] = rnd.intn(256);
    try {
      decodeMessages(copy); // a flip in a payload byte still decodes
    } catch (err) {
      assert.ok(err instanceof MessageCodecError, `iteration ${i}: ${String(err)}`);
    }
  }
  for (let i = 0; i < 2000; i++) {
    const junk = new Uint8Array(rnd.intn(200));
    for (let j = 0; j < junk.length; j++) junk[j] = rnd.intn(256);
    if (junk.length > 0) junk[0] = 1; // get past the version byte most of the time
    try {
      decodeMessages(junk);
    } catch (err) {
      assert.ok(err instanceof MessageCodecError, `junk ${i}: ${String(err)}`);
    }
  }
});

test('encoding refuses values the wire cannot carry', () => {
  const bad: Message[] = [
    message({ type: MessageType.App, from: MAX_U64 + 1n, to: 1n }),
    message({ type: MessageType.App, from: -1n, to: 1n }),
    message({ type: MessageType.App, from: 1n, to: 2n, term: -1 }),
    message({ type: MessageType.App, from: 1n, to: 2n, index: 1.5 }),
    message({ type: MessageType.App, from: 1n, to: 2n, commit: 2 ** 53 }),
    message({ type: 'bogus' as MessageType, from: 1n, to: 2n }),
  ];
  for (const m of bad) assert.throws(() => encodeMessages([m]), MessageCodecError);
});
