import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etcdctl, onEtcdAndKite, tempDir, type StoreProcess } from '../helpers/processes.js';
import { normalize } from '../helpers/normalize.js';
import { TestCa } from '../helpers/tls-certs.js';

/**
 * etcdctl 3.4's maintenance commands with URL-form endpoints (`--endpoints=http://host:port`,
 * as the README and `npm start` print them) and their `--cluster` forms, which dial each
 * member by its client URL: etcdctl then sends the URL itself as the HTTP/2 :authority.
 * Run against a fresh real etcd and a fresh `kite store` on the same ports, over plain
 * HTTP and over TLS; outputs must match after blanking sizes, versions, durations and
 * the raft index (which depends on how often the harness polled /health), and HashKV's
 * value (computed over etcd's own storage encoding, which Kite does not reproduce).
 */
const script: ReadonlyArray<readonly string[]> = [
  ['put', '/u/k', 'v1'],
  ['put', '/u/k', 'v2'],
  ['get', '/u/k', '-w', 'json'],
  ['member', 'list'],
  ['endpoint', 'status'],
  ['endpoint', 'status', '-w', 'json'],
  ['endpoint', 'status', '-w', 'table'],
  ['endpoint', 'status', '--cluster'],
  ['endpoint', 'status', '--cluster', '-w', 'json'],
  ['endpoint', 'health'],
  ['endpoint', 'health', '--cluster'],
  ['endpoint', 'hashkv'],
  ['endpoint', 'hashkv', '-w', 'json'],
  ['endpoint', 'hashkv', '--cluster'],
  ['compaction', '2'],
  ['endpoint', 'hashkv', '--cluster', '-w', 'json'],
  ['defrag'],
  ['defrag', '--cluster'],
  ['move-leader', '1234'],
  ['endpoint', 'status', '--cluster', '-w', 'table'],
];

function runScript(proc: StoreProcess, tlsArgs: readonly string[]): string[] {
  const outputs: string[] = [];
  let base: number | undefined;
  for (const args of script) {
    // The URL form: what is passed is what etcdctl dials (and sends as the authority).
    const r = etcdctl(proc.clientUrl, [...tlsArgs, ...args]);
    let text = normalize(`$ etcdctl ${args.join(' ')}\nexit ${r.code}\n${r.stdout}${r.stderr}`).replaceAll(proc.clientUrl, '<url>');
    // Simple output: "<url>, <id>, <version>, <size>, <leader>, <learner>, <term>, <index>, <applied>, <errors>".
    text = text.replace(/(<url>, [0-9a-f]+, )3\.4\.\d+, [\d.]+ [kMG]?B, /g, '$1<version>, <size>, ');
    // HashKV's value is over etcd's own storage encoding, which Kite does not reproduce.
    if (args[1] === 'hashkv') text = text.replace(/^(<url>, )\d+$/gm, '$1<hash>').replace(/"hash":\d+/g, '"hash":<hash>');
    const first = /"raft_index":(\d+)|"raftIndex":(\d+)|, true, false, \d+, (\d+), /.exec(text);
    if (first && base === undefined) base = Number(first[1] ?? first[2] ?? first[3]);
    if (base !== undefined) {
      const b = base;
      const rel = (n: string): string => `+${Number(n) - b}`;
      text = text
        .replace(/"raft(_applied_index|_index|AppliedIndex|Index)":(\d+)/g, (_m, k: string, n: string) => `"raft${k}":${rel(n)}`)
        .replace(/(, (?:true|false), (?:true|false), \d+, )(\d+), (\d+), /g, (_m, p: string, i: string, a: string) => `${p}${rel(i)}, ${rel(a)}, `)
        .replace(/\|\s+(\d+)\s+\|\s+(\d+)\s+\|\s+(\|)/g, (_m, i: string, a: string) => `| ${rel(i)} | ${rel(a)} |        |`);
    }
    outputs.push(text);
  }
  return outputs;
}

function compare(etcd: string[], kite: string[]): void {
  // Sanity: the script reached the member through the URL (so equality means something).
  const all = etcd.join('\n');
  assert.match(all, /Finished defragmenting etcd member\[<url>\]/);
  assert.match(all, /<url> is healthy/);
  assert.doesNotMatch(kite.join('\n'), /RST_STREAM|PROTOCOL_ERROR/);
  for (let i = 0; i < script.length; i++) assert.equal(kite[i], etcd[i], `step ${i}: etcdctl ${script[i]!.join(' ')}`);
}

test('etcdctl 3.4 with URL-form endpoints: endpoint status/health/hashkv, defrag, --cluster forms equal etcd', { timeout: 180_000 }, async (t) => {
  const both = await onEtcdAndKite(t, 'urlep', async (p) => runScript(p, []), [['etcdctl', 'etcd-client']]);
  if (both === undefined) return;
  compare(both.etcd, both.kite);
});

test('etcdctl 3.4 with https URL-form endpoints: the same commands over TLS equal etcd', { timeout: 180_000 }, async (t) => {
  const dir = tempDir('urlep-tls');
  try {
    const ca = await TestCa.create(dir.path);
    const server = await ca.issue('server', { file: 'server' });
    const both = await onEtcdAndKite(t, 'urleptls', async (p) => runScript(p, ['--cacert', ca.caFile]), [['etcdctl', 'etcd-client']], {
      clientTls: { ca: ca.caFile },
      extraArgs: ['--cert-file', server.cert, '--key-file', server.key],
    });
    if (both === undefined) return;
    compare(both.etcd, both.kite);
  } finally {
    dir.remove();
  }
});
