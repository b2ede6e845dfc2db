// A joining member asks the peers for the member list. A follower may answer before it has
// applied the `member add` the leader just acknowledged; the joiner must look further (other
// peers, then again) rather than refuse to start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { fetchClusterMembers, type ClusterView } from '../../storage/server/cluster-join.js';
import { MEMBERS_PATH } from '../../storage/raft/transport/protocol.js';

const joiner = 'http://127.0.0.1:9';

function view(withJoiner: boolean): ClusterView {
  const members = [{ id: '1', name: 'a', peerUrls: ['http://127.0.0.1:1'], clientUrls: [], isLearner: false }];
  if (withJoiner) members.push({ id: '2', name: '', peerUrls: [joiner], clientUrls: [], isLearner: true });
  return { clusterId: '7', members };
}

/** A peer port answering GET /members with what `answer` gives at the time of each request. */
async function peer(answer: () => ClusterView): Promise<{ url: string; asked: () => number; server: Http2Server }> {
  let asked = 0;
  const server = createServer((req, res) => {
    asked++;
    if (req.url !== MEMBERS_PATH) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked: () => asked, server };
}

const listsJoiner = (v: ClusterView): boolean => v.members.some((m) => m.peerUrls.includes(joiner));

test('joining: a peer that has not applied the member add yet is passed over for one that has', async () => {
  const lagging = await peer(() => view(false));
  const current = await peer(() => view(true));
  try {
    const got = await fetchClusterMembers([lagging.url, current.url], 2000, undefined, listsJoiner);
    assert.equal(got.members.length, 2);
    assert.equal(lagging.asked(), 1);
    assert.equal(current.asked(), 1);
  } finally {
    lagging.server.close();
    current.server.close();
  }
});

test('joining: the peers are asked again until one lists the new member, then the last view is returned', async () => {
  let applied = false;
  const only = await peer(() => view(applied));
  try {
    const later = setTimeout(() => (applied = true), 500);
    const got = await fetchClusterMembers([only.url], 5000, undefined, listsJoiner);
    clearTimeout(later);
    assert.equal(got.members.length, 2);
    assert.ok(only.asked() >= 2, `asked ${only.asked()} times`);
    // Never applied: after the timeout the caller gets the view without it to judge.
    applied = false;
    const stale = await fetchClusterMembers([only.url], 600, undefined, listsJoiner);
    assert.equal(stale.members.length, 1);
  } finally {
    only.server.close();
  }
});

test('joining: no peer answering is an error naming each peer', async () => {
  const closed = await peer(() => view(true));
  closed.server.close();
  await assert.rejects(fetchClusterMembers([closed.url], 1000, undefined, listsJoiner), (err: Error) => err.message.includes(closed.url));
});
