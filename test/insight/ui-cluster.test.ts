// The insight page's Cluster tab with the API server on a three-member Kite store
// cluster: every member's role, term and indexes; when the leader is stopped its row
// turns unreachable, another member leads, and the change is listed. The trail says
// which member served each request.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { startApiServer } from '../helpers/apiserver.js';
import { artifactsDir, findChromium, missingChromium } from '../helpers/chromium.js';
import { eventually, withCluster } from '../helpers/cluster.js';

test('on a three-member store cluster, the page shows each member and sees a stopped leader lose its role', { skip: missingChromium(), timeout: 90_000 }, async () => {
  const t0 = Date.now();
  // Where the time goes (on 2 shared cores the API server's bootstrap over the 3-member store dominates).
  const phase = (what: string): void => void process.stderr.write(`${what}: ${Date.now() - t0} ms\n`);
  await withCluster('insight-cluster', 3, async (cluster) => {
    await cluster.startAll();
    phase('cluster started');
    const servers = cluster.specs.map((s) => s.clientUrl).join(',');
    const api = await startApiServer(join(cluster.dir, 'api'), undefined, [`--etcd-servers=${servers}`, '--insecure-plain-http', '--controllers=', '--log-level=warn']);
    phase('apiserver ready');
    const browser = await chromium.launch({ executablePath: findChromium()!, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 700 } });
      await page.goto(`${api.url}/ui/#/cluster`);
      const members = page.locator('[data-testid=member]');
      await eventually(async () => {
        assert.equal(await members.count(), 3);
        assert.equal(await page.locator('[data-testid=member][data-role=leader]').count(), 1);
        assert.equal(await page.locator('[data-testid=member][data-role=follower]').count(), 2);
      }, 10_000);
      phase('page shows three members');
      const leaderEndpoint = await page.locator('[data-testid=member][data-role=leader]').getAttribute('data-endpoint');
      const leader = cluster.specs.find((s) => s.clientUrl === leaderEndpoint);
      assert.ok(leader !== undefined, `the leader's endpoint ${leaderEndpoint} is a member's`);
      const changesBefore = await page.locator('[data-testid=leader-changes] li').count();
      await artifactsShot(page, 'cluster-3-members');

      // A write through the API: its trail row names the member that served it.
      const res = await api.fetch('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name: 'c' } }) });
      assert.equal(res.status, 201, await res.text());

      await cluster.stop(leader.name, 'SIGKILL');
      const stopped = page.locator(`[data-testid=member][data-endpoint="${leader.clientUrl}"]`);
      await stopped.and(page.locator('[data-role=unreachable]')).waitFor({ timeout: 5_000 });
      phase('stopped leader shown unreachable');
      await page.locator('[data-testid=member][data-role=leader]').waitFor({ timeout: 10_000 });
      phase('new leader shown');
      const newLeader = await page.locator('[data-testid=member][data-role=leader]').getAttribute('data-endpoint');
      assert.notEqual(newLeader, leader.clientUrl);
      await eventually(async () => assert.ok((await page.locator('[data-testid=leader-changes] li').count()) > changesBefore, 'the leader change is listed'), 5_000);
      await artifactsShot(page, 'cluster-leader-stopped');

      const trail = (await (await api.fetch('/ui/api/trail?resource=configmaps')).json()) as { entries: { verb: string; ops: { kind: string; servedBy?: string }[] }[] };
      // The page was open for the write, so it was recorded with the member that took it.
      const write = trail.entries.find((e) => e.verb === 'create');
      assert.ok(write?.ops.some((o) => o.kind === 'txn' && o.servedBy !== undefined && cluster.specs.some((s) => s.clientUrl.endsWith(o.servedBy!))), JSON.stringify(write));
    } finally {
      await browser.close();
      await api.stop();
    }
  });
});

async function artifactsShot(page: Page, name: string): Promise<void> {
  const path = join(artifactsDir('insight'), `${name}.png`);
  await page.screenshot({ path });
  process.stderr.write(`screenshot: ${path}\n`);
}
