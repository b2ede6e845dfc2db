// The insight page of `kite store`, in a real Chromium (playwright-core, the system's
// browser): etcdctl put and etcdctl txn show up in the trail within a second, the txn
// with its compare and the revision it produced, and the write's event counted for the
// etcdctl watch held open; that revision opens the key, whose history diffs the two
// versions, and after a delete and a new put spans both lives until compaction cuts the
// first off; the keyspace is a tree of every key split on '/'. Each tab is screenshotted
// into test-artifacts/insight-store/.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { artifactsDir, findChromium, missingChromium } from '../helpers/chromium.js';
import { etcdctl, missingTool, startStore, tempDir } from '../helpers/processes.js';

async function shoot(page: Page, dir: string, name: string): Promise<void> {
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  process.stderr.write(`screenshot: ${path}\n`);
}

/** etcdctl -w json's header revision (and whether a txn succeeded). */
function written(endpoint: string, args: readonly string[], input?: string): { revision: number; succeeded?: boolean } {
  const r = etcdctl(endpoint, ['-w', 'json', ...args], input);
  assert.equal(r.code, 0, `etcdctl ${args.join(' ')}: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { header: { revision: number }; succeeded?: boolean };
  return { revision: out.header.revision, ...(out.succeeded === undefined ? {} : { succeeded: out.succeeded }) };
}

test('kite store serves the insight page: etcdctl put and txn in the trail with compare and revision, a key history with a diff', { skip: missingChromium() || missingTool('etcdctl', 'etcd-client'), timeout: 60_000 }, async () => {
  const dir = tempDir('insight-store-ui');
  const shots = artifactsDir('insight-store');
  const member = await startStore({ kind: 'kite', dataDir: join(dir.path, 'data'), extraArgs: ['--insight-trail-size=50'] });
  const browser = await chromium.launch({ executablePath: findChromium()!, args: ['--no-sandbox', '--disable-gpu'] });
  const watch = spawn('etcdctl', [`--endpoints=${member.endpoint}`, 'watch', '/demo/', '--prefix'], { env: { ...process.env, ETCDCTL_API: '3' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const watchExited = new Promise((resolve) => watch.once('exit', resolve));
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${member.clientUrl}/ui/#/trail`);
    await page.locator('#status.live').waitFor({ timeout: 5_000 });
    assert.equal(await page.locator('h1').innerText(), 'Kite insight (kite store)');
    // The etcdctl watch is listed once it is registered.
    await page.goto(`${member.clientUrl}/ui/#/watchers`);
    await page.locator('[data-testid=watch-store]', { hasText: '[/demo/, /demo0)' }).waitFor({ timeout: 5_000 });
    await page.goto(`${member.clientUrl}/ui/#/trail`);

    const put = written(member.endpoint, ['put', '/demo/a', '{"n": 1}']);
    let since = Date.now();
    const putRow = page.locator('[data-testid=trail-row][data-verb=Put]', { has: page.locator(`[data-testid=rev][data-revision="${put.revision}"]`) });
    await putRow.waitFor({ timeout: 1_000 });
    process.stderr.write(`put row shown ${Date.now() - since} ms after etcdctl returned\n`);
    assert.match(await putRow.innerText(), /put "\/demo\/a" \(8 bytes\)/);

    // A compare-and-put, as kube-apiserver writes: mod_revision of the key = the revision read.
    const txn = written(member.endpoint, ['txn'], `mod("/demo/a") = "${put.revision}"\n\nput /demo/a {"n":2}\n\nget /demo/a\n\n`);
    assert.equal(txn.succeeded, true);
    since = Date.now();
    const txnRow = page.locator('[data-testid=trail-row][data-verb=Txn]', { has: page.locator(`[data-testid=rev][data-revision="${txn.revision}"]`) });
    await txnRow.waitFor({ timeout: 1_000 });
    process.stderr.write(`txn row shown ${Date.now() - since} ms after etcdctl returned\n`);
    assert.equal(await txnRow.locator('[data-testid=compare]').innerText(), `txn if mod("/demo/a") = ${put.revision}`);
    assert.match(await txnRow.innerText(), /then put "\/demo\/a" \(7 bytes\)/);
    assert.match(await txnRow.innerText(), /else get "\/demo\/a"/);
    await txnRow.locator('[data-testid=delivered]', { hasText: 'delivered to 1 watcher' }).waitFor({ timeout: 1_000 });
    // A failed compare shows as such, with the store's revision.
    const failed = written(member.endpoint, ['txn'], `mod("/demo/a") = "${put.revision}"\n\nput /demo/a {"n":3}\n\nget /demo/a\n\n`);
    assert.notEqual(failed.succeeded, true, "etcdctl -w json leaves out succeeded: false");
    await page.locator('[data-testid=trail-row][data-verb=Txn]', { hasText: `compares failed at revision ${failed.revision}` }).waitFor({ timeout: 1_000 });
    await shoot(page, shots, 'trail');

    // The txn's revision opens the key there: two versions, and their diff.
    await txnRow.locator(`[data-testid=rev][data-revision="${txn.revision}"]`).click();
    await page.locator('[data-testid=key-name]', { hasText: '/demo/a' }).waitFor({ timeout: 2_000 });
    assert.equal(await page.locator('[data-testid=mod-revision]').innerText(), String(txn.revision));
    assert.equal(await page.locator('[data-testid=create-revision]').innerText(), String(put.revision));
    assert.equal(await page.locator('[data-testid=version]').innerText(), '2');
    assert.equal(await page.locator('[data-testid=history] li').count(), 2);
    const diff = await page.locator('[data-testid=diff]').innerText();
    assert.match(diff, /^- +"n": 1$/m);
    assert.match(diff, /^\+ +"n": 2$/m);
    // A second life: the history spans both, with the delete between them; compaction cuts the first off.
    const del = written(member.endpoint, ['del', '/demo/a']);
    const again = written(member.endpoint, ['put', '/demo/a', '{"n": 9}']);
    await page.goto(`${member.clientUrl}/ui/#/keys?key=${encodeURIComponent('/demo/a')}&revision=0`);
    await page.locator('[data-testid=mod-revision]', { hasText: String(again.revision) }).waitFor({ timeout: 2_000 });
    assert.equal(await page.locator('[data-testid=history] li').count(), 4);
    assert.match(await page.locator('[data-testid=history-delete]').innerText(), new RegExp(`^mod_revision ${del.revision} deleted`));
    await shoot(page, shots, 'history-lives');
    const compacted = etcdctl(member.endpoint, ['compact', String(del.revision)]);
    assert.equal(compacted.code, 0, compacted.stderr);
    await page.goto(`${member.clientUrl}/ui/#/keys?key=${encodeURIComponent('/demo/a')}&revision=${again.revision}`);
    await page.locator('[data-testid=compacted]', { hasText: `revision ${del.revision - 1} and older are gone` }).waitFor({ timeout: 2_000 });
    assert.equal(await page.locator('[data-testid=history] li').count(), 1);

    // The keyspace: every key, as a tree split on '/'.
    await page.locator('[data-testid="dir-/"]').click();
    await page.locator('[data-testid="dir-/demo/"]', { hasText: '(1)' }).click();
    await page.locator('[data-testid=tree] [data-key="/demo/a"]').waitFor({ timeout: 2_000 });
    await shoot(page, shots, 'keyspace');

    await page.goto(`${member.clientUrl}/ui/#/watchers`);
    const watchRow = page.locator('[data-testid=watch-store]', { hasText: '[/demo/, /demo0)' });
    await watchRow.waitFor({ timeout: 3_000 });
    assert.match(await watchRow.innerText(), /127\.0\.0\.1:\d+/);
    await shoot(page, shots, 'watchers');
    await page.goto(`${member.clientUrl}/ui/#/cluster`);
    await page.locator('[data-testid=member][data-role=leader]').waitFor({ timeout: 3_000 });
    await shoot(page, shots, 'cluster');
    await page.goto(`${member.clientUrl}/ui/#/tour`);
    await page.locator('[data-testid=tour-get-prefix]', { hasText: '/demo/a' }).waitFor({ timeout: 3_000 });
    await page.locator('[data-testid=step-apiserver-only]').waitFor({ timeout: 3_000 });
    await shoot(page, shots, 'tour');
    process.stderr.write(`insight-store screenshots in ${shots}\n`);
  } finally {
    watch.kill('SIGTERM');
    await watchExited;
    await browser.close();
    await member.stop();
    dir.remove();
  }
});
