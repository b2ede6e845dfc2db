// The classic scenarios from the Raft paper and thesis, on a synchronous in-memory cluster.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfChangeType } from '../../storage/raft/core/conf-change.js';
import type { ReadState } from '../../storage/raft/core/raft.js';
import { RaftError, RaftErrorCode } from '../../storage/raft/core/errors.js';
import { MessageType, entrySize, message, type NodeId } from '../../storage/raft/core/messages.js';
import { SeededRandom } from '../../storage/raft/core/random.js';
import { RawNode } from '../../storage/raft/core/raw-node.js';
import { Cluster, bytes } from './harness.js';

const ELECTION = 10;

function rejects(code: RaftErrorCode) {
  return (err: unknown) => err instanceof RaftError && err.code === code;
}

test('election: outcome depends on how many voters answer', () => {
  const table = [
    { name: '3 of 5 answer', absent: [4n, 5n], preVote: false, wantState: 'leader', wantTerm: 2 },
    { name: '2 of 5 answer', absent: [3n, 4n, 5n], preVote: false, wantState: 'candidate', wantTerm: 2 },
    { name: '2 of 5 answer, pre-vote', absent: [3n, 4n, 5n], preVote: true, wantState: 'pre-candidate', wantTerm: 1 },
    { name: 'all answer, pre-vote', absent: [], preVote: true, wantState: 'leader', wantTerm: 2 },
  ];
  for (const t of table) {
    const c = new Cluster([1n, 2n, 3n, 4n, 5n], { preVote: t.preVote }, true, t.absent);
    c.campaign(1n);
    const r = c.member(1n).raft;
    assert.equal(r.state, t.wantState, t.name);
    assert.equal(r.term, t.wantTerm, t.name);
    if (t.wantState === 'leader') {
      for (const m of c.members.values()) {
        assert.equal(m.raft.lead, 1n, `${t.name}: ${m.id} follows 1`);
        assert.equal(m.raft.raftLog.committed, 6, `${t.name}: the leader's empty entry commits`);
      }
    }
  }
});

test('split vote: nobody wins, then a later term elects exactly one leader', () => {
  const c = new Cluster([1n, 2n, 3n, 4n]);
  // 3 only hears 1 and 4 only hears 2: two candidates with two votes each.
  c.cutLink(1n, 2n);
  c.cutLink(1n, 4n);
  c.cutLink(2n, 3n);
  c.member(1n).node.campaign();
  c.member(2n).node.campaign();
  c.stabilize();
  assert.deepEqual(c.leaders(), []);
  assert.equal(c.member(1n).raft.state, 'candidate');
  assert.equal(c.member(2n).raft.state, 'candidate');
  assert.equal(c.member(1n).raft.term, 2);
  assert.equal(c.member(2n).raft.term, 2);
  c.heal();
  for (let i = 0; i < 10 * ELECTION && c.leaders().length === 0; i++) c.tickAll();
  assert.equal(c.leaders().length, 1);
  const leader = c.member(c.leaders()[0] as NodeId).raft;
  assert.ok(leader.term >= 3, `elected in a later term, got ${leader.term}`);
});

test('log repair (Figure 7): the leader brings every kind of divergent follower in line', () => {
  // Terms of the entries at indexes 1, 2, ... (index 1 is covered by a snapshot in setLog).
  const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  const followers: Record<string, { log: number[]; term: number }> = {
    a: { log: [1, 1, 1, 4, 4, 5, 5, 6, 6], term: 6 },
    b: { log: [1, 1, 1, 4], term: 4 },
    c: { log: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6], term: 6 },
    d: { log: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], term: 7 },
    e: { log: [1, 1, 1, 4, 4, 4, 4], term: 4 },
    f: { log: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], term: 3 },
  };
  for (const [name, follower] of Object.entries(followers)) {
    // Member 3 exists in the configuration but never answers.
    const c = new Cluster([1n, 2n, 3n], {}, false, [3n]);
    c.setLog(1n, leaderLog.slice(1), 8, [1n, 2n, 3n]);
    c.setLog(2n, follower.log.slice(1), follower.term, [1n, 2n, 3n]);
    c.campaign(1n);
    if (c.member(1n).raft.state !== 'leader') {
      // The follower's log is more up to date (c, d): the absent voter elects the leader.
      c.send(message({ type: MessageType.VoteResp, from: 3n, to: 1n, term: 9 }));
    }
    assert.equal(c.member(1n).raft.state, 'leader', name);
    assert.deepEqual(c.logTerms(2n), [...leaderLog.slice(1), 9], `follower ${name} matches the leader`);
    const rejections = c.delivered.filter((m) => m.type === MessageType.AppResp && m.reject && m.from === 2n).length;
    // Fast back-off: one rejection skips the whole conflicting suffix.
    assert.ok(rejections <= 1, `follower ${name}: ${rejections} rejections`);
  }
});

test('commitment rule (Figure 8): an entry of an earlier term on a majority is not committed', () => {
  const voters = [1n, 2n, 3n, 4n, 5n];
  const c = new Cluster(voters, { maxSizePerMsg: 1 }, false);
  // (a)/(b): S1 led term 2 and wrote entry 2; S5 led term 3 and wrote its own entry 2.
  c.setLog(1n, [2], 3, voters);
  c.setLog(2n, [], 3, voters);
  c.setLog(3n, [], 3, voters);
  c.setLog(4n, [], 3, voters);
  c.setLog(5n, [3], 3, voters);
  c.isolate(5n);
  // (c): S1 leads term 4 and replicates entry 2, one entry per message; every follower
  // acknowledges it, but S1's own term-4 entry never arrives (appends carrying it are lost
  // once the follower holds entry 2).
  c.filter = (m) =>
    !(m.from === 1n && m.type === MessageType.App && m.entries.some((e) => e.term === 4) &&
      c.member(m.to).raft.raftLog.lastIndex() >= 2);
  c.campaign(1n);
  assert.equal(c.member(1n).raft.state, 'leader');
  assert.equal(c.member(1n).raft.term, 4);
  const holders = [...c.members.values()].filter((m) => m.raft.raftLog.term(2) === 2).map((m) => m.id);
  assert.deepEqual(holders, [1n, 2n, 3n, 4n], 'a majority holds entry 2 from term 2');
  const progress = c.member(1n).node.status().progress;
  assert.deepEqual([2n, 3n, 4n].map((id) => progress?.get(id)?.match), [2, 2, 2], 'and the leader knows it');
  assert.equal(c.member(1n).raft.raftLog.committed, 1, 'but it is not committed');
  assert.deepEqual(c.appliedText(1n), []);

  // (d): S1 goes away; S5 (last term 3) wins and overwrites entry 2 on the others. That is
  // allowed only because entry 2 was never committed.
  c.heal();
  c.isolate(1n);
  for (let i = 0; i < 3 && c.member(5n).raft.state !== 'leader'; i++) c.campaign(5n);
  assert.equal(c.member(5n).raft.state, 'leader');
  for (const id of [2n, 3n, 4n]) assert.equal(c.member(id).raft.raftLog.term(2), 3, `${id} now has S5's entry 2`);
  assert.deepEqual(c.appliedText(2n), ['e2@3']);

  // (e): had S1 replicated an entry of its own term to a majority, entry 2 would have been
  // committed with it, and S5 could not have been elected.
});

test('commitment rule (Figure 8, e): committing an entry of the current term commits the earlier ones', () => {
  const voters = [1n, 2n, 3n, 4n, 5n];
  const c = new Cluster(voters, { maxSizePerMsg: 1 }, false);
  c.setLog(1n, [2], 3, voters);
  c.setLog(2n, [2], 3, voters);
  c.setLog(3n, [], 3, voters);
  c.setLog(4n, [], 3, voters);
  c.setLog(5n, [3], 3, voters);
  c.isolate(5n);
  c.campaign(1n);
  assert.equal(c.member(1n).raft.raftLog.committed, 3);
  assert.deepEqual(c.appliedText(3n), ['e2@2']);
  c.heal();
  c.isolate(1n);
  for (let i = 0; i < 3; i++) c.campaign(5n);
  assert.notEqual(c.member(5n).raft.state, 'leader', 'S5 lacks a committed entry and cannot win');
});

test('snapshot install: a follower behind the compacted log gets the snapshot, and restarts from it', () => {
  const c = new Cluster([1n, 2n, 3n]);
  c.campaign(1n);
  c.isolate(3n);
  for (let i = 0; i < 20; i++) c.propose(1n, `v${i}`);
  const leader = c.member(1n);
  const applied = leader.raft.raftLog.applied;
  leader.storage.createSnapshot(applied, leader.raft.prs.confState(), bytes('state'));
  leader.storage.compact(applied);
  c.heal();
  c.tickAll(3);
  assert.ok(c.delivered.some((m) => m.type === MessageType.Snap && m.to === 3n), 'a snapshot was sent');
  const follower = c.member(3n);
  assert.equal(follower.storage.snapshot().metadata.index, applied);
  assert.deepEqual(follower.storage.snapshot().data, bytes('state'));
  assert.equal(follower.raft.raftLog.committed, leader.raft.raftLog.committed);

  // Restore from the snapshot on start.
  follower.restart();
  const status = follower.node.status();
  assert.equal(status.applied, applied);
  assert.equal(status.firstIndex, applied + 1);
  assert.deepEqual(status.confState.voters, [1n, 2n, 3n]);
  c.propose(1n, 'after');
  c.tickAll(2);
  assert.deepEqual(c.appliedText(3n).slice(-1), ['after']);
});

test('ReadIndex after a leader change: answered only once the new leader commits in its term', () => {
  const c = new Cluster([1n, 2n, 3n]);
  c.campaign(1n);
  c.propose(1n, 'x');
  const writeIndex = c.member(1n).raft.raftLog.committed;
  c.isolate(1n);
  // The new leader's first entry cannot commit yet: its followers' acks are lost.
  c.filter = (m) => !(m.type === MessageType.AppResp && m.to === 2n);
  c.campaign(2n);
  const leader = c.member(2n);
  assert.equal(leader.raft.state, 'leader');
  leader.node.readIndex(bytes('r1'));
  c.member(3n).node.readIndex(bytes('r3'));
  c.stabilize();
  assert.deepEqual(leader.readStates, [], 'no answer before an entry of the new term commits');
  c.filter = () => true;
  c.tick(2n);
  const answered: ReadState[] = leader.readStates;
  assert.equal(answered.length, 1);
  const rs = answered[0];
  assert.ok(rs !== undefined && rs.index >= writeIndex + 1, 'the read index covers the acknowledged write and the new term entry');
  assert.deepEqual(rs.requestCtx, bytes('r1'));
  assert.equal(c.member(3n).readStates.length, 1, 'a follower read is forwarded and answered');

  // The deposed leader cannot confirm leadership, so it never answers.
  const old = c.member(1n);
  old.node.readIndex(bytes('stale'));
  c.stabilize();
  c.tick(1n, 3);
  assert.deepEqual(old.readStates, []);
  c.heal();
  c.tickAll(3);
  assert.deepEqual(old.readStates, [], 'and the request dies with its leadership');
});

test('ReadIndex: lease-based mode answers without a heartbeat round (off by default)', () => {
  const safe = new Cluster([1n, 2n, 3n], { checkQuorum: true });
  const lease = new Cluster([1n, 2n, 3n], { checkQuorum: true, readOnlyOption: 'lease-based' });
  for (const c of [safe, lease]) {
    c.campaign(1n);
    c.isolate(1n);
    c.member(1n).node.readIndex(bytes('r'));
    c.stabilize();
  }
  assert.equal(safe.member(1n).readStates.length, 0);
  assert.equal(lease.member(1n).readStates.length, 1);
});

test('learner: gets the log, neither votes nor counts, is promoted only once caught up', () => {
  const c = new Cluster([1n, 2n, 3n]);
  c.campaign(1n);
  c.addMember(4n);
  c.member(1n).node.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 4n });
  c.stabilize();
  c.propose(1n, 'a');
  c.tickAll(2);
  assert.deepEqual(c.appliedText(4n), ['a']);
  const learner = c.member(4n).raft;
  assert.deepEqual(learner.prs.confState(), { voters: [1n, 2n, 3n], learners: [4n] });
  assert.equal(learner.isLearner, true);

  // Its acknowledgement does not count toward commit.
  c.cutLink(1n, 2n);
  c.cutLink(1n, 3n);
  const before = c.member(1n).raft.raftLog.committed;
  c.propose(1n, 'b');
  assert.equal(learner.raftLog.lastIndex(), c.member(1n).raft.raftLog.lastIndex(), 'the learner has the entry');
  assert.equal(c.member(1n).raft.raftLog.committed, before, 'but leader + learner is no quorum');
  // It never campaigns.
  const term = learner.term;
  c.tick(4n, 5 * ELECTION);
  assert.equal(learner.term, term);
  assert.equal(learner.state, 'follower');
  c.heal();
  c.tickAll(1);
  assert.ok(c.member(1n).raft.raftLog.committed > before);

  // Promotion is refused while it lags far behind.
  c.isolate(4n);
  for (let i = 0; i < 30; i++) c.propose(1n, `p${i}`);
  assert.throws(
    () => c.member(1n).node.proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 4n }),
    rejects(RaftErrorCode.ConfChangeRejected),
  );
  c.heal();
  c.tickAll(3);
  c.member(1n).node.proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 4n });
  c.stabilize();
  for (const m of c.members.values()) assert.deepEqual(m.raft.prs.confState(), { voters: [1n, 2n, 3n, 4n], learners: [] });
  assert.equal(c.member(4n).raft.isLearner, false);
});

test('one conf change at a time: the next is refused until the previous is applied', () => {
  const c = new Cluster([1n, 2n, 3n]);
  c.campaign(1n);
  c.addMember(4n);
  c.addMember(5n);
  const leader = c.member(1n).node;
  leader.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 4n });
  assert.throws(
    () => leader.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 5n }),
    rejects(RaftErrorCode.ConfChangeRejected),
  );
  c.stabilize();
  leader.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 5n });
  c.stabilize();
  assert.deepEqual(c.member(1n).raft.prs.learners, [4n, 5n]);
});

test('removing the leader: it steps down, hands off at once, and never campaigns again', () => {
  const c = new Cluster([1n, 2n, 3n]);
  c.campaign(1n);
  c.propose(1n, 'x');
  c.member(1n).node.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 1n });
  c.stabilize();
  const old = c.member(1n).raft;
  assert.equal(old.state, 'follower');
  const leaders = c.leaders();
  assert.equal(leaders.length, 1, 'a successor is elected without waiting for a timeout');
  const successor = leaders[0] as NodeId;
  assert.ok(successor === 2n || successor === 3n);
  assert.deepEqual(c.member(successor).raft.prs.voters.slice().sort(), [2n, 3n]);
  const term = old.term;
  c.tick(1n, 5 * ELECTION);
  assert.equal(old.state, 'follower');
  assert.ok(old.term <= term + 1, 'the removed member does not campaign');
  c.propose(successor, 'y');
  assert.deepEqual(c.appliedText(2n), ['x', 'y']);
  assert.deepEqual(c.appliedText(3n), ['x', 'y']);
});

test('leader transfer (MoveLeader): catches the transferee up, then it wins without a timeout', () => {
  const c = new Cluster([1n, 2n, 3n]);
  c.campaign(1n);
  c.isolate(3n);
  for (let i = 0; i < 5; i++) c.propose(1n, `v${i}`);
  c.heal();
  const term = c.member(1n).raft.term;
  c.member(1n).node.transferLeader(3n);
  c.stabilize();
  assert.deepEqual(c.leaders(), [3n]);
  assert.equal(c.member(3n).raft.term, term + 1);
  assert.equal(c.appliedText(3n).length, 5);

  // Asked through a follower, it is forwarded to the leader.
  c.member(2n).node.transferLeader(2n);
  c.stabilize();
  assert.deepEqual(c.leaders(), [2n]);

  // Proposals are refused while a transfer is under way; it is abandoned after an election timeout.
  c.filter = (m) => m.type !== MessageType.TimeoutNow;
  c.member(2n).node.transferLeader(1n);
  c.stabilize();
  assert.throws(() => c.member(2n).node.propose(bytes('z')), rejects(RaftErrorCode.ProposalDropped));
  c.tick(2n, ELECTION);
  assert.deepEqual(c.leaders(), [2n]);
  c.propose(2n, 'z');
  assert.equal(c.appliedText(1n).slice(-1)[0], 'z');
});

test('proposals: forwarded by followers, dropped with a clear error without a leader', () => {
  const c = new Cluster([1n, 2n, 3n]);
  assert.throws(() => c.member(1n).node.propose(bytes('early')), rejects(RaftErrorCode.ProposalDropped));
  c.campaign(1n);
  c.propose(2n, 'via follower');
  for (const id of [1n, 2n, 3n]) assert.deepEqual(c.appliedText(id), ['via follower']);
  c.isolate(3n);
  c.member(3n).node.campaign();
  c.stabilize();
  assert.equal(c.member(3n).raft.state, 'candidate');
  assert.throws(() => c.member(3n).node.propose(bytes('x')), rejects(RaftErrorCode.ProposalDropped));
  assert.throws(() => c.member(3n).node.readIndex(bytes('x')), rejects(RaftErrorCode.ReadIndexDropped));
});

test('CheckQuorum: a leader that cannot reach a quorum steps down', () => {
  for (const checkQuorum of [true, false]) {
    const c = new Cluster([1n, 2n, 3n], { checkQuorum });
    c.campaign(1n);
    c.isolate(1n);
    c.tick(1n, 2 * ELECTION);
    assert.equal(c.member(1n).raft.state, checkQuorum ? 'follower' : 'leader', `checkQuorum ${checkQuorum}`);
  }
});

test('PreVote: a partitioned member does not inflate its term or disrupt the leader on return', () => {
  for (const preVote of [true, false]) {
    const c = new Cluster([1n, 2n, 3n], { preVote });
    c.campaign(1n);
    const term = c.member(1n).raft.term;
    c.isolate(3n);
    c.tick(3n, 5 * ELECTION);
    assert.equal(c.member(3n).raft.term > term, !preVote, `preVote ${preVote}: term grows only without pre-vote`);
    c.heal();
    c.tickAll(1);
    if (preVote) {
      assert.deepEqual(c.leaders(), [1n]);
      assert.equal(c.member(1n).raft.term, term);
    } else {
      assert.ok(c.member(1n).raft.term > term, 'without pre-vote the returning member forces a new term');
    }
  }
});

test('a vote is in the same Ready as the hard state recording it, which must be synced first', () => {
  const c = new Cluster([1n, 2n, 3n]);
  const voter = c.member(2n);
  voter.node.step(message({ type: MessageType.Vote, from: 1n, to: 2n, term: 5, index: 3, logTerm: 1 }));
  const rd = voter.node.ready();
  assert.deepEqual(rd.hardState, { term: 5, vote: 1n, commit: 3 });
  assert.equal(rd.mustSync, true);
  assert.ok(rd.messages.some((m) => m.type === MessageType.VoteResp && !m.reject && m.to === 1n));
  assert.throws(() => voter.node.ready(), rejects(RaftErrorCode.MisuseOfApi), 'one Ready at a time');
  voter.storage.setHardState(rd.hardState ?? assert.fail());
  voter.node.advance();
  // After a restart from what was persisted, the member still refuses a second candidate.
  voter.restart();
  voter.node.step(message({ type: MessageType.Vote, from: 3n, to: 2n, term: 5, index: 3, logTerm: 1 }));
  const again = voter.node.ready();
  assert.ok(again.messages.some((m) => m.type === MessageType.VoteResp && m.reject && m.to === 3n));
});

test('flow control: the in-flight window and the message size limit bound what is sent', () => {
  const c = new Cluster([1n, 2n, 3n], { maxInflightMsgs: 2, maxSizePerMsg: 100 });
  c.campaign(1n);
  c.filter = (m) => !(m.type === MessageType.AppResp && m.from === 2n);
  const sentBefore = c.delivered.length;
  for (let i = 0; i < 10; i++) c.propose(1n, `entry-${i}`);
  const appends = c.delivered.slice(sentBefore).filter((m) => m.type === MessageType.App && m.to === 2n && m.entries.length > 0);
  assert.equal(appends.length, 2, 'at most two appends in flight to a silent follower');
  c.filter = () => true;
  c.member(1n).node.proposeBatch(Array.from({ length: 10 }, (_, i) => bytes(`batch-${i}-xxxxxxxxxxxx`)));
  c.stabilize();
  c.tickAll(3);
  const all = c.delivered.filter((m) => m.type === MessageType.App && m.entries.length > 0);
  const size = (m: (typeof all)[number]) => m.entries.reduce((n, e) => n + entrySize(e), 0);
  assert.ok(all.every((m) => m.entries.length === 1 || size(m) <= 100), 'no message over the size limit (unless a single entry)');
  assert.ok(all.some((m) => m.entries.length > 1), 'entries are batched up to the limit');
  for (const id of [2n, 3n]) assert.equal(c.appliedText(id).length, 20, `${id} caught up after heartbeats`);
});

test('restart with a persisted applied index: no entry is applied twice, membership is still complete', () => {
  const c = new Cluster([1n, 2n, 3n]);
  c.campaign(1n);
  c.addMember(4n);
  c.member(1n).node.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 4n });
  c.stabilize();
  c.propose(1n, 'a');
  const member = c.member(2n);
  const applied = member.raft.raftLog.applied;
  // Restart as an application that keeps its applied index with its data would.
  const node = new RawNode({
    id: 2n,
    storage: member.storage,
    electionTick: 10,
    heartbeatTick: 1,
    random: new SeededRandom(7),
    applied,
  });
  assert.equal(node.status().applied, applied);
  assert.equal(node.hasReady(), false, 'nothing to re-apply');
  assert.deepEqual(node.status().confState, { voters: [1n, 2n, 3n], learners: [4n] });
});

test('a forwarded proposal that comes back to its origin is dropped quietly, not thrown (sim seed 12696)', () => {
  const c = new Cluster([1n, 2n, 3n]);
  c.campaign(2n);
  c.filter = (m) => m.type !== MessageType.TimeoutNow;
  c.member(2n).node.transferLeader(1n);
  c.stabilize();
  // Member 2 forwarded a proposal while it was a follower; the old leader forwarded it back
  // after leadership moved to 2, which is now busy transferring leadership away.
  const bounced = message({ type: MessageType.Prop, from: 2n, to: 2n, entries: [{ term: 0, index: 0, type: 'normal', data: bytes('p') }] });
  assert.doesNotThrow(() => c.member(2n).node.step(bounced));
  // The application's own proposal is refused with an error, as before.
  assert.throws(() => c.member(2n).node.propose(bytes('q')), rejects(RaftErrorCode.ProposalDropped));
  const readBack = message({ type: MessageType.ReadIndex, from: 3n, to: 3n, context: bytes('r') });
  c.isolate(3n);
  c.member(3n).node.campaign();
  c.stabilize();
  assert.doesNotThrow(() => c.member(3n).node.step(readBack));
});
