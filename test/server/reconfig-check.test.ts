import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HEALTH_INTERVAL_MS, refuseAdd, refusePromote, refuseRemove, type ReconfigView } from '../../storage/server/reconfig-check.js';
import type { MemberInfo } from '../../storage/server/member-types.js';

const NOW = 1_000_000;
const member = (id: number, options: { started?: boolean; learner?: boolean } = {}): MemberInfo => ({
  id: BigInt(id),
  name: options.started === false ? '' : `m${id}`,
  peerUrls: [`http://127.0.0.1:${2380 + id}`],
  clientUrls: options.started === false ? [] : [`http://127.0.0.1:${2379 + id}`],
  isLearner: options.learner ?? false,
});

/** Member 1's view; connected maps a peer to how long its stream has been up (ms), absent: down. */
function view(members: MemberInfo[], connected: Record<number, number>): ReconfigView {
  return { self: 1n, members, now: NOW, activeSince: (id) => (connected[Number(id)] === undefined ? undefined : NOW - connected[Number(id)]!) };
}

const long = HEALTH_INTERVAL_MS + 1;
const three = [member(1), member(2), member(3)];

test('adding a member: every voter connected for the health interval, and enough started voters', () => {
  assert.equal(refuseAdd(view(three, { 2: long, 3: long }), false), undefined);
  assert.equal(refuseAdd(view(three, { 2: long }), false), 'Unhealthy', 'one voter down');
  assert.equal(refuseAdd(view(three, { 2: long }), true), 'Unhealthy', 'a learner too, as in etcd 3.4');
  assert.equal(refuseAdd(view(three, { 2: long, 3: 1000 }), false), 'Unhealthy', 'a peer connected only just now');
  // Two added-but-unstarted voters: four voters would need three started.
  const unstarted = [member(1), member(2), member(3, { started: false }), member(4, { started: false })];
  assert.equal(refuseAdd(view(unstarted, { 2: long, 3: long, 4: long }), false), 'NotEnoughStartedMembers');
  // A one-member cluster being restored may add its second member.
  assert.equal(refuseAdd(view([member(1)], {}), false), undefined);
  // Learners count for neither the quorum nor the connections.
  assert.equal(refuseAdd(view([...three, member(9, { learner: true })], { 2: long, 3: long }), false), undefined);
});

test('removing a member: learners and members that are down are safe; a live one needs a quorum without it', () => {
  assert.equal(refuseRemove(view(three, { 2: long, 3: long }), 2n), undefined);
  assert.equal(refuseRemove(view(three, { 2: long }), 3n), undefined, 'the member that is down');
  assert.equal(refuseRemove(view(three, { 2: long }), 2n), 'Unhealthy', 'a live member while another is down');
  assert.equal(refuseRemove(view(three, { 2: long }), 1n), 'Unhealthy', 'itself while another is down');
  assert.equal(refuseRemove(view([...three, member(9, { learner: true })], {}), 9n), undefined, 'a learner');
  const unstarted = [member(1), member(2, { started: false }), member(3, { started: false })];
  assert.equal(refuseRemove(view(unstarted, { 2: long, 3: long }), 1n), 'NotEnoughStartedMembers');
});

test('promoting a learner counts it as started toward the future quorum', () => {
  assert.equal(refusePromote(view([...three, member(9, { learner: true })], {})), undefined);
  assert.equal(refusePromote(view([member(1), member(2, { started: false }), member(3, { started: false }), member(9, { learner: true })], {})), 'NotEnoughStartedMembers');
});
