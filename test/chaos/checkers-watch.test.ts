// The watch checker against a small revision log: a faithful stream passes; a gap, a
// duplicate, a reordering, a phantom and each kind of bad seam at a reconnect are caught.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KvEvent, RevisionLog } from './checkers/history.js';
import { checkWatches, prefixRange, revisionLog, singleKey, type WatcherRecord, type WatchSession } from './checkers/watch.js';

function putEvent(key: string, value: string, rev: number): KvEvent {
  return { type: 'put', key, value, modRevision: rev };
}

function delEvent(key: string, rev: number): KvEvent {
  return { type: 'delete', key, value: null, modRevision: rev };
}

// Revisions 2..9; revision 5 is a txn writing a/1 and a/2; b is outside the a/ prefix.
const events: KvEvent[] = [
  putEvent('a/1', 'x', 2),
  putEvent('b', 'y', 3),
  putEvent('a/2', 'z', 4),
  putEvent('a/1', 'x2', 5),
  putEvent('a/2', 'z2', 5),
  delEvent('a/1', 6),
  putEvent('b', 'y2', 7),
  putEvent('a/3', 'w', 8),
  delEvent('b', 9),
];
const log: RevisionLog = revisionLog(events, 1, 9);
const inA = events.filter((e) => e.key.startsWith('a/'));

function watcher(sessions: WatchSession[], extra: Partial<WatcherRecord> = {}): WatcherRecord {
  return { id: 'w', range: prefixRange('a/'), startRevision: 2, sessions, ...extra };
}

function kinds(w: WatcherRecord): string[] {
  return checkWatches([w], log).violations.map((v) => v.kind);
}

test('watch: a faithful stream, in one session or resumed seamlessly', () => {
  assert.deepEqual(kinds(watcher([{ fromRevision: 2, events: inA }])), []);
  // Disconnected after revision 4, resumed at 5.
  assert.deepEqual(
    kinds(
      watcher([
        { fromRevision: 2, events: inA.slice(0, 2) },
        { fromRevision: 5, events: inA.slice(2) },
      ]),
    ),
    [],
  );
  // The events of one revision may come in any order.
  assert.deepEqual(kinds(watcher([{ fromRevision: 2, events: [inA[0]!, inA[1]!, inA[3]!, inA[2]!, ...inA.slice(4)] }])), []);
  // A stream that is behind is fine unless the harness says it caught up (but a revision
  // comes whole: stopping after half of revision 5 leaves a gap).
  assert.deepEqual(kinds(watcher([{ fromRevision: 2, events: inA.slice(0, 4) }])), []);
  assert.deepEqual(kinds(watcher([{ fromRevision: 2, events: inA.slice(0, 3) }])), ['gap']);
  // One key, from a later revision.
  const single: WatcherRecord = { id: 's', range: singleKey('b'), startRevision: 4, sessions: [{ fromRevision: 4, events: [events[6]!, events[8]!] }] };
  assert.deepEqual(checkWatches([single], log).violations, []);
});

test('watch: a missing event is a gap', () => {
  const report = checkWatches([watcher([{ fromRevision: 2, events: [inA[0]!, inA[2]!, ...inA.slice(3)] }])], log);
  assert.deepEqual(
    report.violations.map((v) => v.kind),
    ['gap'],
  );
  assert.deepEqual(report.violations[0]!.events, [inA[1]]);
  assert.match(report.violations[0]!.message, /missing put a\/2="z" @4/);
});

test('watch: events missing before the revision the watcher was synced to', () => {
  assert.deepEqual(kinds(watcher([{ fromRevision: 2, events: inA.slice(0, 3) }], { syncedTo: 9 })), ['gap']);
  assert.deepEqual(kinds(watcher([{ fromRevision: 2, events: inA }], { syncedTo: 9 })), []);
});

test('watch: an event twice is a duplicate', () => {
  assert.deepEqual(kinds(watcher([{ fromRevision: 2, events: [...inA.slice(0, 3), inA[2]!, ...inA.slice(3)] }])), ['duplicate']);
});

test('watch: an event after a later one is out of order', () => {
  assert.deepEqual(kinds(watcher([{ fromRevision: 2, events: [inA[1]!, inA[0]!, ...inA.slice(2)] }])), ['out-of-order']);
});

test('watch: an event the log does not have is a phantom; one it has otherwise, a mismatch', () => {
  assert.deepEqual(kinds(watcher([{ fromRevision: 2, events: [...inA, putEvent('a/9', 'q', 8)] }])), ['phantom']);
  assert.deepEqual(kinds(watcher([{ fromRevision: 2, events: [...inA, putEvent('a/4', 'future', 12)] }])), ['phantom']);
  assert.deepEqual(kinds(watcher([{ fromRevision: 2, events: [inA[0]!, putEvent('a/2', 'other', 4), ...inA.slice(2)] }])), ['mismatch']);
  assert.deepEqual(kinds(watcher([{ fromRevision: 2, events: [inA[0]!, inA[1]!, inA[2]!, inA[3]!, putEvent('a/1', 'back', 6), inA[5]!] }])), [
    'mismatch',
  ]);
});

test('watch: an event outside the range, or below the start revision', () => {
  assert.deepEqual(kinds(watcher([{ fromRevision: 2, events: [inA[0]!, events[1]!, ...inA.slice(1)] }])), ['out-of-range']);
  assert.deepEqual(kinds(watcher([{ fromRevision: 4, events: inA }], { startRevision: 4 })), ['before-start']);
});

test('watch: a resume that skips revisions leaves a resume gap', () => {
  const report = checkWatches(
    [
      watcher([
        { fromRevision: 2, events: inA.slice(0, 2) },
        { fromRevision: 6, events: inA.slice(4) },
      ]),
    ],
    log,
  );
  assert.deepEqual(
    report.violations.map((v) => [v.kind, v.session, v.count]),
    [['resume-gap', 1, 2]],
  );
  assert.match(report.violations[0]!.message, /resumed at 6 after revision 4/);
});

test('watch: a resumed session that loses its first event is a gap at the seam', () => {
  assert.deepEqual(
    kinds(
      watcher([
        { fromRevision: 2, events: inA.slice(0, 2) },
        { fromRevision: 5, events: inA.slice(3) },
      ]),
    ),
    ['gap'],
  );
});

test('watch: a resume from too early delivers duplicates', () => {
  const report = checkWatches(
    [
      watcher([
        { fromRevision: 2, events: inA.slice(0, 2) },
        { fromRevision: 4, events: inA.slice(1) },
      ]),
    ],
    log,
  );
  assert.deepEqual(
    report.violations.map((v) => v.kind),
    ['duplicate'],
  );
  assert.match(report.violations[0]!.message, /resumed at 4, but 4 had been received/);
});

test('watch: a session cancelled as compacted excuses the revisions it could not deliver', () => {
  assert.deepEqual(
    kinds(
      watcher([
        { fromRevision: 2, events: inA.slice(0, 1), compactRevision: 6 },
        { fromRevision: 7, events: inA.slice(5) },
      ]),
    ),
    [],
  );
  // Cancelled as compacted at 3 while it started at 4: the server was wrong.
  assert.deepEqual(
    kinds(
      watcher(
        [
          { fromRevision: 4, events: [], compactRevision: 3 },
          { fromRevision: 4, events: inA.slice(1) },
        ],
        { startRevision: 4 },
      ),
    ),
    ['spurious-compaction'],
  );
});
