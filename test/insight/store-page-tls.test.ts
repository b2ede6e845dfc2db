// `kite store`'s insight page on an https client URL: a browser negotiates h2 by ALPN, so
// the page is served over HTTP/2 as well as HTTP/1.1 (the static files, the JSON answers
// and the event stream), and the member keeps serving etcd's API after.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:http2';
import { request } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { getHealth, startStore, tempDir } from '../helpers/processes.js';
import { TestCa } from '../helpers/tls-certs.js';

/** GETs path over HTTP/2, reading at most `bytes` of the body: the status and the text read. */
function getH2(url: string, ca: Buffer, path: string, bytes = Infinity): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = connect(url, { ca });
    session.on('error', reject);
    const req = session.request({ ':path': path });
    let status = 0;
    let body = '';
    req.on('response', (h) => (status = Number(h[':status'])));
    req.setEncoding('utf8');
    const done = (): void => {
      req.close();
      session.close();
      resolve({ status, body });
    };
    req.on('data', (d: string) => {
      body += d;
      if (body.length >= bytes) done();
    });
    req.on('end', done);
    req.on('error', reject);
    req.end();
  });
}

function getH1(url: string, ca: Buffer, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('on an https client URL the store page is served over HTTP/2 and HTTP/1.1', { timeout: 60_000 }, async () => {
  const dir = tempDir('insight-store-tls');
  const ca = await TestCa.create(dir.path);
  const server = await ca.issue('server', { file: 'server' });
  const member = await startStore({ kind: 'kite', dataDir: join(dir.path, 'data'), clientTls: { ca: ca.caFile }, extraArgs: ['--cert-file', server.cert, '--key-file', server.key] });
  const caPem = readFileSync(ca.caFile);
  try {
    assert.ok(member.clientUrl.startsWith('https://'));
    for (const get of [getH2, getH1]) {
      const page = await get(member.clientUrl, caPem, '/ui/');
      assert.equal(page.status, 200, `${get.name} /ui/`);
      assert.match(page.body, /<title>Kite insight/);
      const info = await get(member.clientUrl, caPem, '/ui/api/info');
      assert.equal(info.status, 200, `${get.name} /ui/api/info`);
      assert.equal((JSON.parse(info.body) as { mode: string }).mode, 'store');
    }
    const events = await getH2(member.clientUrl, caPem, '/ui/api/events', 20);
    assert.equal(events.status, 200);
    assert.match(events.body, /^event: hello/);
    assert.equal(await getHealth(member), 'true', 'the member still serves after the page was read over HTTP/2');
  } finally {
    await member.stop();
    dir.remove();
  }
});
