// The checker must flag broken histories; otherwise a green simulator run would mean nothing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entry } from '../../storage/raft/core/messages.js';
import { SafetyChecker, ViolationKind } from './checker.js';
import { stateHash } from './hash.js';

function entry(index: number, term: number, text: string): Entry {
  return { index, term, type: 'normal', data: new TextEncoder().encode(text) };
}

/** Applies entries in order on a member, tracking its state hash. */
function applyAll(c: SafetyChecker, id: bigint, entries: Entry[], commit: number): void {
  let hash = 0;
  for (const e of entries) {
    hash = stateHash(hash, e);
    c.apply(id, e, hash, commit);
  }
}

const histories: { name: string; want: ViolationKind | undefined; run: (c: SafetyChecker) => void }[] = [
  {
    name: 'a valid history',
    want: undefined,
    run: (c) => {
      const log = [entry(1, 1, 'a'), entry(2, 1, 'b'), entry(3, 2, 'c')];
      c.observeLeader(1n, 1);
      c.observeLeader(1n, 1);
      c.observeLeader(2n, 2);
      for (const id of [1n, 2n, 3n]) {
        c.startApplying(id, 0, 0);
        c.persistEntries(id, log);
        c.persistCommit(id, 3, 2);
        applyAll(c, id, log, 3);
      }
      c.ack(7, 3);
      c.readState(1n, 3, 3);
      c.checkLeaderCompleteness(2n, 3, 1, (i) => log[i - 1]?.term);
      c.checkAcknowledged(2n, 1, (i) => log[i - 1], (e) => (e.index === 3 ? 7 : undefined));
    },
  },
  {
    name: 'two leaders in one term',
    want: ViolationKind.ElectionSafety,
    run: (c) => {
      c.observeLeader(1n, 4);
      c.observeLeader(2n, 4);
    },
  },
  {
    name: 'same index and term, different entries',
    want: ViolationKind.LogMatching,
    run: (c) => {
      c.persistEntries(1n, [entry(1, 1, 'a')]);
      c.persistEntries(2n, [entry(1, 1, 'X')]);
    },
  },
  {
    name: 'same last entry, different prefixes',
    want: ViolationKind.LogMatching,
    run: (c) => {
      c.persistEntries(1n, [entry(1, 1, 'a'), entry(2, 2, 'c')]);
      c.persistEntries(2n, [entry(1, 3, 'b'), entry(2, 2, 'c')]);
    },
  },
  {
    name: 'two members apply different commands at one index',
    want: ViolationKind.StateMachineSafety,
    run: (c) => {
      c.startApplying(1n, 0, 0);
      c.startApplying(2n, 0, 0);
      applyAll(c, 1n, [entry(1, 1, 'a')], 1);
      applyAll(c, 2n, [entry(1, 1, 'b')], 1);
    },
  },
  {
    name: 'an applied index is skipped',
    want: ViolationKind.StateMachineSafety,
    run: (c) => {
      c.startApplying(1n, 0, 0);
      applyAll(c, 1n, [entry(2, 1, 'b')], 2);
    },
  },
  {
    name: 'two members commit different logs',
    want: ViolationKind.StateMachineSafety,
    run: (c) => {
      c.persistEntries(1n, [entry(1, 1, 'a'), entry(2, 2, 'b')]);
      c.persistCommit(1n, 2, 2);
      c.persistEntries(2n, [entry(1, 1, 'a'), entry(2, 3, 'z')]);
      c.persistCommit(2n, 2, 3);
    },
  },
  {
    name: 'a member restarts with the log that survived a crash and catches up',
    want: undefined,
    run: (c) => {
      c.persistEntries(1n, [entry(1, 1, 'a'), entry(2, 1, 'b')]);
      c.persistCommit(1n, 2, 1);
      c.persistEntries(2n, [entry(1, 1, 'a'), entry(2, 1, 'b'), entry(3, 2, 'c')]);
      c.persistCommit(2n, 1, 2);
      c.restartLog(2n, { index: 0, term: 0 }, [entry(1, 1, 'a')], 1, 2);
      c.persistEntries(2n, [entry(2, 1, 'b'), entry(3, 3, 'd')]);
      c.persistCommit(2n, 3, 3);
    },
  },
  {
    name: 'a member loses a committed entry in a crash and commits another in its place',
    want: ViolationKind.StateMachineSafety,
    run: (c) => {
      c.persistEntries(1n, [entry(1, 1, 'a'), entry(2, 1, 'b')]);
      c.persistCommit(1n, 2, 1);
      c.restartLog(1n, { index: 0, term: 0 }, [entry(1, 1, 'a')], 1, 1);
      c.persistEntries(1n, [entry(2, 2, 'z')]);
      c.persistCommit(1n, 2, 2);
    },
  },
  {
    name: 'a member restarts from a compaction point it never persisted',
    want: ViolationKind.LogMatching,
    run: (c) => {
      c.persistEntries(1n, [entry(1, 1, 'a'), entry(2, 1, 'b')]);
      c.restartLog(1n, { index: 2, term: 2 }, [], 2, 2);
    },
  },
  {
    name: 'an entry is applied before it is committed',
    want: ViolationKind.ApplyBeforeCommit,
    run: (c) => {
      c.startApplying(1n, 0, 0);
      applyAll(c, 1n, [entry(1, 1, 'a'), entry(2, 1, 'b')], 1);
    },
  },
  {
    name: 'a leader lacks an entry committed in an earlier term',
    want: ViolationKind.LeaderCompleteness,
    run: (c) => {
      c.persistEntries(1n, [entry(1, 1, 'a'), entry(2, 2, 'b')]);
      c.persistCommit(1n, 2, 2);
      c.checkLeaderCompleteness(3n, 3, 1, (i) => (i === 1 ? 1 : undefined));
    },
  },
  {
    name: 'an acknowledged proposal is gone from the final log',
    want: ViolationKind.LostAck,
    run: (c) => {
      c.ack(7, 2);
      const log = [entry(1, 1, 'a'), entry(2, 2, 'other')];
      c.checkAcknowledged(1n, 1, (i) => log[i - 1], () => 8);
    },
  },
  {
    name: 'a read index below an acknowledged write',
    want: ViolationKind.StaleRead,
    run: (c) => c.readState(1n, 10, 9),
  },
];

for (const h of histories) {
  test(`checker: ${h.name}`, () => {
    const c = new SafetyChecker();
    h.run(c);
    assert.deepEqual(
      c.violations.map((v) => v.kind).slice(0, 1),
      h.want === undefined ? [] : [h.want],
      JSON.stringify(c.violations),
    );
  });
}
