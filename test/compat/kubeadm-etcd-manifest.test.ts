// The etcd static-pod manifest kubeadm 1.26 writes starts a kite store member unchanged
// (addresses and file paths aside): every flag is taken, the metrics URL serves the probes'
// /health, and kube-apiserver's client certificate reads and writes over mutual TLS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { etcdctl, freePort, kiteBin, missingTool, tempDir } from '../helpers/processes.js';
import { TestCa } from '../helpers/tls-certs.js';

test("kubeadm's etcd manifest flags start a member", { skip: missingTool('etcdctl', 'etcd-client'), timeout: 60_000 }, async () => {
  const dir = tempDir('kubeadm-etcd');
  const ca = await TestCa.create(dir.path, 'etcd');
  const server = await ca.issue('kube-etcd', { file: 'server' });
  const peer = await ca.issue('kube-etcd-peer', { file: 'peer' });
  const client = await ca.issue('kube-apiserver-etcd-client', { file: 'apiserver-etcd-client', hosts: [] });
  const [clientPort, peerPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const ip = '127.0.0.1';
  // The command of kubeadm's /etc/kubernetes/manifests/etcd.yaml, in its order.
  const flags = [
    `--advertise-client-urls=https://${ip}:${clientPort}`,
    `--cert-file=${server.cert}`,
    '--client-cert-auth=true',
    `--data-dir=${join(dir.path, 'etcd')}`,
    '--experimental-initial-corrupt-check=true',
    '--experimental-watch-progress-notify-interval=5s',
    `--initial-advertise-peer-urls=https://${ip}:${peerPort}`,
    `--initial-cluster=node1=https://${ip}:${peerPort}`,
    `--key-file=${server.key}`,
    `--listen-client-urls=https://127.0.0.1:${clientPort}`,
    `--listen-metrics-urls=http://127.0.0.1:${metricsPort}`,
    `--listen-peer-urls=https://${ip}:${peerPort}`,
    '--name=node1',
    `--peer-cert-file=${peer.cert}`,
    '--peer-client-cert-auth=true',
    `--peer-key-file=${peer.key}`,
    `--peer-trusted-ca-file=${ca.caFile}`,
    '--snapshot-count=10000',
    `--trusted-ca-file=${ca.caFile}`,
  ];
  const child = spawn(process.execPath, [kiteBin, 'store', ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  try {
    // kubeadm's startup and liveness probes: GET /health on the metrics port.
    let health = '';
    for (let i = 0; i < 100 && child.exitCode === null; i++) {
      health = await fetch(`http://127.0.0.1:${metricsPort}/health?exclude=NOSPACE&serializable=true`).then((r) => r.text(), () => '');
      if (health !== '') break;
      await sleep(200);
    }
    assert.equal(health, '{"health":"true"}', output);
    assert.match(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(), /^etcd_server_has_leader 1$/m);
    assert.doesNotMatch(output, /not supported|has no effect|"level":"(warn|error|fatal)"/, 'every flag is taken as given');
    const tls = ['--cacert', ca.caFile, '--cert', client.cert, '--key', client.key];
    const endpoint = `https://127.0.0.1:${clientPort}`;
    assert.equal(etcdctl(endpoint, [...tls, 'put', '/registry/namespaces/default', 'k8s']).code, 0);
    assert.equal(etcdctl(endpoint, [...tls, 'get', '/registry/namespaces/default', '--print-value-only']).stdout, 'k8s\n');
    assert.notEqual(etcdctl(endpoint, ['--cacert', ca.caFile, '--dial-timeout=1s', '--command-timeout=2s', 'get', '/registry/namespaces/default']).code, 0, 'no client certificate: refused');
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    dir.remove();
  }
});
