import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { missingTool, tempDir } from '../helpers/processes.js';
import { adminTls, startApiServer } from '../helpers/apiserver.js';
import { TestCa } from '../helpers/tls-certs.js';

/**
 * What kube-apiserver hands on to a kubelet, with real kubectl and a stand-in kubelet (an
 * HTTPS server on loopback that a Node's status points at): `kubectl logs` reaches the
 * kubelet's containerLogs with the API server's client certificate and the options asked
 * for; a kubelet's 404 comes back as kube-apiserver words it; an exec request upgrades its
 * connection through the API server's filters and is spliced to the kubelet's.
 */

interface Seen {
  readonly url: string;
  readonly clientCn: string | undefined;
  readonly authorization: string | undefined;
}

/** A stand-in kubelet: containerLogs answers two lines (404 for a container named gone); exec upgrades and echoes in capitals. */
async function fakeKubelet(dir: string): Promise<{ server: Server; port: number; seen: Seen[]; afterRefusal: string[] }> {
  const ca = await TestCa.create(dir, 'kubelet');
  const files = await ca.issue('kubelet', { hosts: ['127.0.0.1'] });
  const seen: Seen[] = [];
  const afterRefusal: string[] = [];
  const server = createServer({ cert: readFileSync(files.cert), key: readFileSync(files.key), requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    seen.push({ url: req.url ?? '', clientCn: peer.subject === undefined ? undefined : String(peer.subject.CN), authorization: req.headers.authorization });
    if (req.url?.includes('/gone') === true) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('container not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end('first line\nsecond line\n');
  });
  server.on('upgrade', (req, socket, head: Buffer) => {
    const peer = (socket as TLSSocket).getPeerCertificate();
    seen.push({ url: req.url ?? '', clientCn: peer.subject === undefined ? undefined : String(peer.subject.CN), authorization: req.headers.authorization });
    if (req.url?.includes('/broken') === true) {
      // An answer that does not parse (more body than its length says).
      socket.write('HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nnot an HTTP answer');
      return;
    }
    if (req.url?.includes('/broken') === true) {
      // An answer that does not parse (more body than its length says).
      socket.write('HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nnot an HTTP answer');
      return;
    }
    if (req.url?.includes('/gone') === true) {
      // A kubelet that will not upgrade answers and keeps the connection: whatever else arrives on it is recorded.
      if (head.length > 0) afterRefusal.push(head.toString());
      socket.on('data', (d: Buffer) => afterRefusal.push(d.toString()));
      socket.write('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 18\r\n\r\npod does not exist');
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${String(req.headers.upgrade)}\r\n\r\n`);
    socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, seen, afterRefusal };
}

/** Sends an upgrade request over TLS and returns what came back before `until` matched (or the socket closed). */
async function upgradeRequest(port: number, tls: { ca: Buffer; cert?: Buffer; key?: Buffer }, path: string, send: string, until: RegExp, body = '', pipelined = ''): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port, ca: tls.ca, ...(tls.cert === undefined ? {} : { cert: tls.cert, key: tls.key }) });
  await once(socket, 'secureConnect');
  let got = '';
  let sent = false;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer matching ${String(until)}; got ${JSON.stringify(got)}`));
    }, 15_000);
    socket.on('data', (d: Buffer) => {
      got += d.toString();
      if (!sent && got.includes('\r\n\r\n') && got.startsWith('HTTP/1.1 101')) {
        sent = true;
        socket.write(send);
      }
      if (until.test(got)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(got);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.on('error', reject);
    const length = body === '' ? '' : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
    socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n${length}\r\n${body}${pipelined}`);
  });
}

test('kubectl logs and an exec upgrade reach the kubelet through kite apiserver', { timeout: 120_000 }, async (t) => {
  const skip = missingTool('kubectl', 'kubectl');
  if (skip) {
    t.skip(skip);
    return;
  }
  const dir = tempDir('kubectl-kubelet');
  const kubelet = await fakeKubelet(dir.path);
  const server = await startApiServer(join(dir.path, 'data'));
  const env = { ...process.env, KUBECONFIG: server.kubeconfig };
  // Asynchronous: the stand-in kubelet answers in this process while kubectl runs.
  const kubectl = (args: string[], input?: string): Promise<{ code: number; out: string; err: string }> =>
    new Promise((resolve) => {
      const child = execFile('kubectl', args, { env, timeout: 30_000 }, (error, out, err) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, out, err }));
      if (input !== undefined) child.stdin?.end(input);
    });
  const apply = async (obj: unknown): Promise<void> => {
    const r = await kubectl(['create', '-f', '-'], JSON.stringify(obj));
    assert.equal(r.code, 0, r.err);
  };
  try {
    await apply({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } } } });
    await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'nginx:1.25' }, { name: 'gone', image: 'nginx:1.25' }, { name: 'broken', image: 'nginx:1.25' }] } });

    const logs = await kubectl(['logs', 'p', '-c', 'app', '--tail=2', '--timestamps']);
    assert.equal(logs.code, 0, logs.err);
    assert.equal(logs.out, 'first line\nsecond line\n');
    const asked = kubelet.seen.at(-1)!;
    assert.equal(asked.url, '/containerLogs/default/p/app?tailLines=2&timestamps=true');
    // The API server is itself to the kubelet (its kubelet client certificate), and passes on no client's token.
    assert.equal(asked.clientCn, 'kube-apiserver-kubelet-client');
    assert.equal(asked.authorization, undefined);

    const missing = await kubectl(['logs', 'p', '-c', 'gone']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.err, /Error from server \(NotFound\): the server could not find the requested resource \( pods\/log p\)/);

    // A node address that would name another host in the URL is refused, and nothing is sent.
    await apply({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n-odd' }, status: { addresses: [{ type: 'InternalIP', address: `10.0.0.9@127.0.0.1:${kubelet.port}/x` }] } });
    await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'odd', namespace: 'default' }, spec: { nodeName: 'n-odd', containers: [{ name: 'app', image: 'nginx:1.25' }] } });
    const seenBefore = kubelet.seen.length;
    const odd = await server.fetch('/api/v1/namespaces/default/pods/odd/log');
    assert.equal(odd.status, 500);
    assert.match(((await odd.json()) as { message: string }).message, /^invalid kubelet address/);
    assert.equal(kubelet.seen.length, seenBefore);

    // kubectl picks a container itself; a client that does not is told to.
    const choose = await server.fetch('/api/v1/namespaces/default/pods/p/log');
    assert.equal(choose.status, 400);
    assert.equal(((await choose.json()) as { message: string }).message, 'a container name must be specified for pod p, choose one of: [app gone broken]');

    // An exec: the client's upgraded connection is spliced to the kubelet's.
    const admin = adminTls(join(dir.path, 'data'))!;
    const execPath = '/api/v1/namespaces/default/pods/p/exec?command=echo&command=hi&container=app&stdout=true&stderr=true';
    const answer = await upgradeRequest(server.port, { ca: admin.ca!, cert: admin.cert!, key: admin.key! }, execPath, 'ping from the client', /PING FROM THE CLIENT/);
    assert.match(answer, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.match(answer, /PING FROM THE CLIENT/);
    const execSeen = kubelet.seen.at(-1)!;
    assert.equal(execSeen.url, '/exec/default/p/app?command=echo&command=hi&error=1&output=1');
    assert.equal(execSeen.clientCn, 'kube-apiserver-kubelet-client');

    // A kubelet that does not upgrade: its answer comes back and the connection ends; nothing the
    // client sent after its request (here a second request, pipelined) reaches the kubelet.
    const refusedByKubelet = await upgradeRequest(
      server.port,
      { ca: admin.ca!, cert: admin.cert!, key: admin.key! },
      '/api/v1/namespaces/default/pods/p/exec?command=ls&container=gone&stdout=true',
      '',
      /pod does not exist/,
      '',
      'POST /exec/kube-system/etcd/etcd?command=sh HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    assert.match(refusedByKubelet, /^HTTP\/1\.1 404 /);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(kubelet.afterRefusal, []);

    // A kubelet answer that does not parse cuts the client's connection; the server carries on.
    await upgradeRequest(server.port, { ca: admin.ca!, cert: admin.cert!, key: admin.key! }, '/api/v1/namespaces/default/pods/p/exec?command=ls&container=broken&stdout=true', '', /^$/);
    assert.equal((await server.fetch('/readyz')).status, 200);

    // The upgrade goes through the filters: without credentials it is refused before any kubelet is reached.
    const before = kubelet.seen.length;
    const refused = await upgradeRequest(server.port, { ca: admin.ca! }, execPath, '', /\r\n\r\n[\s\S]*\}/);
    assert.match(refused, /^HTTP\/1\.1 401 /);
    assert.match(refused, /"reason":"Unauthorized"/);
    assert.equal(kubelet.seen.length, before);

    // An upgrade this server does not take is served as a plain request, its body read.
    const configMap = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sent-with-upgrade' }, data: { a: 'b' } });
    const created = await upgradeRequest(server.port, { ca: admin.ca!, cert: admin.cert!, key: admin.key! }, '/api/v1/namespaces/default/configmaps', '', /\r\n\r\n[\s\S]*\}$/, configMap);
    assert.match(created, /^HTTP\/1\.1 201 /);
    const stored = (await (await server.fetch('/api/v1/namespaces/default/configmaps/sent-with-upgrade')).json()) as { data: Record<string, string> };
    assert.deepEqual(stored.data, { a: 'b' });

    // A plain request to exec is refused as kube-apiserver refuses it.
    const plain = await server.fetch(execPath, { method: 'POST' });
    assert.equal(plain.status, 400);
    assert.equal(((await plain.json()) as { message: string }).message, 'Upgrade request required');
  } finally {
    await server.stop();
    kubelet.server.close();
    kubelet.server.closeAllConnections();
    dir.remove();
  }
});
