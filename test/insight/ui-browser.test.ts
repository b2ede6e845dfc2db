// The insight page in a real Chromium (playwright-core, the system's browser) against a
// `kite apiserver` on the embedded store: kubectl apply and kubectl scale show up in the
// trail within a second, with the txn's compare and the revision it produced; that
// revision opens the key, whose history diffs the two versions; each tab is screenshotted
// into test-artifacts/insight/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { startApiServer } from '../helpers/apiserver.js';
import { artifactsDir, findChromium, missingChromium } from '../helpers/chromium.js';
import { missingTool, tempDir } from '../helpers/processes.js';

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  labels: { app: web }
spec:
  replicas: 1
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
      - name: web
        image: nginx:1.25
`;

function kubectl(kubeconfig: string, args: readonly string[]): string {
  const r = spawnSync('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig }, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

async function shoot(page: Page, dir: string, name: string): Promise<void> {
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  process.stderr.write(`screenshot: ${path}\n`);
}

test('the insight page shows kubectl apply and scale in the trail within a second, and a key history with a diff', { skip: missingChromium() || missingTool('kubectl', 'kubectl'), timeout: 60_000 }, async () => {
  const dir = tempDir('insight-ui');
  const shots = artifactsDir('insight');
  const api = await startApiServer(dir.path, undefined, ['--insecure-plain-http', '--controllers=', '--log-level=warn']);
  const browser = await chromium.launch({ executablePath: findChromium()!, args: ['--no-sandbox', '--disable-gpu'] });
  const stopWatch = new AbortController();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${api.url}/ui/#/trail`);
    await page.locator('#status.live').waitFor({ timeout: 5_000 });
    // An API watch on deployments, held open through the test: it should be listed and counted.
    const watch = await fetch(`${api.url}/apis/apps/v1/namespaces/default/deployments?watch=1&labelSelector=app%3Dweb`, { signal: stopWatch.signal });
    assert.equal(watch.status, 200);
    const watching = (async () => {
      try {
        for await (const _ of watch.body as unknown as AsyncIterable<Uint8Array>) void _;
      } catch (err) {
        if (!stopWatch.signal.aborted) throw err;
      }
    })();
    const file = join(dir.path, 'web.yaml');
    writeFileSync(file, deployment);

    // kubectl apply: a create, whose txn compares mod_revision = 0.
    const created = Number(kubectl(api.kubeconfig, ['apply', '-f', file, '-o', 'jsonpath={.metadata.resourceVersion}']));
    let shownAt = Date.now();
    const applyRow = page.locator('[data-testid=trail-row][data-resource=deployments]', { has: page.locator(`[data-testid=rev][data-revision="${created}"]`) });
    await applyRow.waitFor({ timeout: 1_000 });
    process.stderr.write(`apply row shown ${Date.now() - shownAt} ms after kubectl returned\n`);
    assert.match(await applyRow.locator('[data-testid=compare]').innerText(), /^txn if mod_revision\(\/registry\/deployments\/default\/web\) = 0$/);
    // The event it caused reached the watch cache's store watch, then the API watch.
    await applyRow.locator('[data-testid=delivered]', { hasText: '1 store watcher, 1 API watcher' }).waitFor({ timeout: 1_000 });

    // kubectl scale: an update through the scale subresource, comparing the created revision.
    kubectl(api.kubeconfig, ['scale', 'deployment/web', '--replicas=3']);
    shownAt = Date.now();
    const scaleCompare = page.locator('[data-testid=trail-row][data-resource=deployments] [data-testid=compare]', { hasText: `mod_revision(/registry/deployments/default/web) = ${created}` });
    await scaleCompare.waitFor({ timeout: 1_000 });
    process.stderr.write(`scale row shown ${Date.now() - shownAt} ms after kubectl returned\n`);
    const scaled = Number(kubectl(api.kubeconfig, ['get', 'deployment/web', '-o', 'jsonpath={.metadata.resourceVersion}']));
    const scaleRev = page.locator(`[data-testid=rev][data-revision="${scaled}"]`);
    await scaleRev.waitFor({ timeout: 1_000 });
    await shoot(page, shots, 'trail');

    // The revision opens the key at that revision: two versions, and the diff shows the scale.
    await scaleRev.first().click();
    await page.locator('[data-testid=key-name]', { hasText: '/registry/deployments/default/web' }).waitFor({ timeout: 2_000 });
    assert.equal(await page.locator('[data-testid=mod-revision]').innerText(), String(scaled));
    assert.equal(await page.locator('[data-testid=create-revision]').innerText(), String(created));
    assert.equal(await page.locator('[data-testid=version]').innerText(), '2');
    assert.equal(await page.locator('[data-testid=history] li').count(), 2);
    const diff = await page.locator('[data-testid=diff]').innerText();
    assert.match(diff, /^- +"replicas": 1,?$/m);
    assert.match(diff, /^\+ +"replicas": 3,?$/m);
    await page.locator('[data-testid=res-deployments\\.apps]').click();
    await page.locator('[data-testid=count-deployments\\.apps]', { hasText: '(1)' }).waitFor({ timeout: 2_000 });
    await shoot(page, shots, 'keyspace');

    await page.goto(`${api.url}/ui/#/watchers`);
    await page.locator('[data-testid=watch-store]').first().waitFor({ timeout: 3_000 });
    const apiWatch = page.locator('[data-testid=watch-api]');
    await apiWatch.waitFor({ timeout: 3_000 });
    assert.match(await apiWatch.innerText(), /app=web/);
    stopWatch.abort();
    await watching;
    await shoot(page, shots, 'watchers');
    await page.goto(`${api.url}/ui/#/cluster`);
    await page.locator('[data-testid=member][data-role=leader]').waitFor({ timeout: 3_000 });
    await shoot(page, shots, 'cluster');
    await page.goto(`${api.url}/ui/#/tour`);
    const protobuf = page.locator('[data-testid=tour-protobuf]');
    await protobuf.waitFor({ timeout: 3_000 });
    assert.match(await protobuf.innerText(), /^0000 {2}6b 38 73 00 0a 0f 0a 02 76 31 12 09 4e 61 6d 65 {2}k8s\.\.\.\.\.v1\.\.Name$/m);
    assert.match(await page.locator('[data-testid=tour-json]').innerText(), /"name": "default"/);
    await shoot(page, shots, 'tour');
    process.stderr.write(`insight screenshots in ${shots}\n`);
  } finally {
    stopWatch.abort();
    await browser.close();
    await api.stop();
    dir.remove();
  }
});
