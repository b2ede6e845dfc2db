import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { kiteBin, tempDir } from '../helpers/processes.js';
import { adminTls } from '../helpers/apiserver.js';
import { httpsFetch } from '../helpers/https-fetch.js';

/**
 * `kite apiserver --port 0` serves on a port the system picks and says which; the kubernetes
 * Service, its Endpoints and EndpointSlice name the port actually served, and are corrected
 * when a restart serves another one (as kube-apiserver's bootstrap controller corrects them).
 */

interface Started {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

async function start(dataDir: string): Promise<Started> {
  const args = [kiteBin, 'apiserver', `--data-dir=${dataDir}`, '--port=0', '--bind-address=127.0.0.1', '--advertise-address=10.9.8.7', '--embedded-store-url=none'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = once(child, 'exit');
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await exited;
  };
  for (let i = 0; i < 300; i++) {
    const url = /Kite API server at (https:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    if (url !== undefined) return { url, port: Number(new URL(url).port), stop };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`kite apiserver printed no URL: ${out}`);
}

test('--port 0 serves on a free port; the kubernetes Service and its endpoints follow the port across restarts', { timeout: 120_000 }, async () => {
  const dir = tempDir('kite-port-zero');
  try {
    const ports: number[] = [];
    for (let run = 0; run < 2; run++) {
      const server = await start(dir.path);
      try {
        assert.ok(server.port > 0, server.url);
        ports.push(server.port);
        const send = httpsFetch(adminTls(dir.path)!);
        const read = async <T>(path: string): Promise<T> => {
          const res = await send(`${server.url}${path}`);
          assert.equal(res.status, 200, path);
          return (await res.json()) as T;
        };
        const service = await read<{ spec: { ports: { name: string; port: number; targetPort: number }[] } }>('/api/v1/namespaces/default/services/kubernetes');
        assert.deepEqual(service.spec.ports.map((p) => [p.name, p.port, p.targetPort]), [['https', 443, server.port]]);
        const endpoints = await read<{ subsets: unknown }>('/api/v1/namespaces/default/endpoints/kubernetes');
        assert.deepEqual(endpoints.subsets, [{ addresses: [{ ip: '10.9.8.7' }], ports: [{ name: 'https', port: server.port, protocol: 'TCP' }] }]);
        const slice = await read<{ addressType: string; endpoints: unknown; ports: unknown; metadata: { labels: Record<string, string> } }>('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes');
        assert.equal(slice.addressType, 'IPv4');
        assert.deepEqual(slice.endpoints, [{ addresses: ['10.9.8.7'], conditions: { ready: true } }]);
        assert.deepEqual(slice.ports, [{ name: 'https', port: server.port, protocol: 'TCP' }]);
        assert.equal(slice.metadata.labels['kubernetes.io/service-name'], 'kubernetes');
      } finally {
        await server.stop();
      }
    }
    assert.notEqual(ports[0], ports[1], 'the second start was given another port');
  } finally {
    dir.remove();
  }
});
