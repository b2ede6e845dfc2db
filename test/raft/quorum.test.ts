import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VoteResult, committedIndex, majority, voteResult } from '../../storage/raft/core/quorum.js';

test('majority sizes', () => {
  const table: [number, number][] = [
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
    [6, 4],
    [7, 4],
  ];
  for (const [n, q] of table) assert.equal(majority(n), q, `majority(${n})`);
});

test('committedIndex is the index a majority has acknowledged', () => {
  const table: { acked: number[]; want: number }[] = [
    { acked: [], want: 0 },
    { acked: [5], want: 5 },
    { acked: [5, 3], want: 3 },
    { acked: [5, 3, 1], want: 3 },
    { acked: [1, 3, 5], want: 3 },
    { acked: [2, 2, 9, 9], want: 2 },
    { acked: [7, 7, 0, 0, 0], want: 0 },
    { acked: [7, 7, 6, 0, 0], want: 6 },
    { acked: [10, 9, 8, 7, 6, 5, 4], want: 7 },
  ];
  for (const { acked, want } of table) {
    const voters = acked.map((_, i) => BigInt(i + 1));
    const got = committedIndex(voters, (id) => acked[Number(id) - 1] ?? 0);
    assert.equal(got, want, `acked ${JSON.stringify(acked)}`);
  }
});

test('voteResult decides won, lost or pending', () => {
  const V = VoteResult;
  // votes: 'y' granted, 'n' rejected, '_' not yet
  const table: { votes: string; want: VoteResult }[] = [
    { votes: '', want: V.Lost },
    { votes: 'y', want: V.Won },
    { votes: 'n', want: V.Lost },
    { votes: '_', want: V.Pending },
    { votes: 'y_', want: V.Pending },
    { votes: 'yy', want: V.Won },
    { votes: 'yn', want: V.Lost },
    { votes: 'y__', want: V.Pending },
    { votes: 'yy_', want: V.Won },
    { votes: 'yn_', want: V.Pending },
    { votes: 'ynn', want: V.Lost },
    { votes: 'yyn__', want: V.Pending },
    { votes: 'yynn_', want: V.Pending },
    { votes: 'yynnn', want: V.Lost },
    { votes: 'yyy__', want: V.Won },
    { votes: 'yy__', want: V.Pending },
    { votes: 'yyn_', want: V.Pending },
    { votes: 'ynn_', want: V.Lost },
  ];
  for (const { votes, want } of table) {
    const voters = [...votes].map((_, i) => BigInt(i + 1));
    const map = new Map<bigint, boolean>();
    [...votes].forEach((v, i) => {
      if (v !== '_') map.set(BigInt(i + 1), v === 'y');
    });
    // A vote from a non-voter never counts.
    map.set(99n, true);
    assert.equal(voteResult(voters, map), want, `votes ${votes}`);
  }
});
