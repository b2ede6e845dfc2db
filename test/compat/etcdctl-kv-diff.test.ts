import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etcdctl, onEtcdAndKite, type StoreProcess } from '../helpers/processes.js';
import { normalize } from '../helpers/normalize.js';

/**
 * One script of etcdctl 3.4 commands, run against a fresh real etcd and then a
 * fresh `kite store` started with the same flags and ports (so member and cluster
 * ids come out equal too). Outputs must match after blanking what differs by
 * design: database size and the server's version string.
 */
interface Step {
  readonly args: readonly string[];
  readonly input?: string;
}

const txn = (compares: string[], success: string[], failure: string[]): Step => ({
  args: ['txn', '-w', 'json'],
  input: `${compares.join("\n")}\n\n${success.join("\n")}\n\n${failure.join("\n")}\n\n`,
});

const script: Step[] = [
  // The seed documents' commands.
  { args: ['put', '/singless/test/gender', 'male'] },
  { args: ['put', '/singless/test', 'true'] },
  { args: ['get', '/singless/test/gender'] },
  { args: ['get', '--prefix', '/'] },
  { args: ['put', '/singless/test', 'false'] },
  { args: ['get', '/singless/test'] },
  { args: ['member', 'list'] },
  { args: ['member', 'list', '-w', 'json'] },
  { args: ['endpoint', 'status', '-w', 'json'] },
  { args: ['endpoint', 'status', '-w', 'table'] },
  { args: ['endpoint', 'health'] },
  // Reads in every form.
  { args: ['get', '/singless/test', '-w', 'json'] },
  { args: ['get', '/singless/test', '-w', 'fields'] },
  { args: ['get', '/singless/test', '--rev=3'] },
  { args: ['get', '/singless/test', '--rev=2', '-w', 'json'] },
  { args: ['get', '--from-key', '/singless/test'] },
  { args: ['get', '--from-key', ''] },
  { args: ['get', '/', '--prefix', '--limit=1', '-w', 'json'] },
  { args: ['get', '/', '--prefix', '--sort-by=MODIFY', '--order=DESCEND'] },
  { args: ['get', '/', '--prefix', '--sort-by=VALUE', '--order=ASCEND'] },
  { args: ['get', '/', '--prefix', '--sort-by=CREATE', '--order=DESCEND', '--limit=1'] },
  { args: ['get', '/', '--prefix', '--sort-by=VERSION'] },
  { args: ['get', '/', '--prefix', '--keys-only'] },
  { args: ['get', '/', '--prefix', '--print-value-only'] },
  { args: ['get', '/', '--prefix', '--consistency=s', '-w', 'json'] },
  { args: ['get', '/', '--prefix', '--count-only', '-w', 'json'] },
  { args: ['get', '/nothing-here', '-w', 'json'] },
  { args: ['put', '/singless/test', 'again', '--prev-kv'] },
  { args: ['put', '/singless/test', 'again2', '--prev-kv', '-w', 'json'] },
  { args: ['put', '/singless/new', 'v', '--prev-kv'] },
  // Transactions with compares of every kind.
  txn(['mod("/singless/test") > "0"', 'value("/singless/test") = "again2"'], ['put /txn/a ok', 'get /singless/test'], ['put /txn/a fail']),
  txn(['version("/singless/test") = "9"'], ['put /txn/b then'], ['put /txn/b else', 'get /txn/b']),
  txn(['create("/singless/test") < "100"', 'version("/singless/test") != "1"'], ['del /txn/a'], []),
  txn(['value("/missing") = ""'], ['put /txn/c then'], ['put /txn/c else']),
  txn(['mod("/missing") = "0"'], ['put /txn/d created'], []),
  txn(['create("/singless/test") > "2"'], [], ['get /singless --prefix']),
  txn(['value("/singless/test") < "b"'], ['put /txn/e lt'], ['put /txn/e ge']),
  txn([], ['put /txn/f 1', 'put /txn/g 2', 'del /txn/b'], []),
  { args: ['get', '/txn', '--prefix'] },
  // Deletes.
  { args: ['del', '/singless/test'] },
  { args: ['del', '/not/there'] },
  { args: ['del', '--prefix', '/txn'] },
  { args: ['del', '--prefix', '/singless', '--prev-kv'] },
  { args: ['get', '--prefix', '/'] },
  // Compaction, reads below, at and above it.
  { args: ['put', '/c/k', 'v1'] },
  { args: ['put', '/c/k', 'v2'] },
  { args: ['put', '/c/k', 'v3', '-w', 'json'] },
  { args: ['compaction', '18'] },
  { args: ['get', '/c/k', '--rev=17'] },
  { args: ['get', '/c/k', '--rev=18'] },
  { args: ['get', '/c/k', '--rev=19'] },
  { args: ['get', '/c/k', '--rev=99'] },
  { args: ['compaction', '18'] },
  { args: ['compaction', '99'] },
  { args: ['compaction', '--physical', '19'] },
  // Errors a client can cause.
  { args: ['put', '', 'empty-key'] },
  { args: ['put', '/c/k', '--ignore-value', 'x'] },
  { args: ['put', '/nope', '--ignore-value'] },
  { args: ['put', '/c/k', 'v', '--lease=1234'] },
  txn([], ['put /dup 1', 'put /dup 2'], []),
  // Maintenance.
  { args: ['defrag'] },
  { args: ['alarm', 'list'] },
  { args: ['alarm', 'disarm'] },
  { args: ['move-leader', '1234'] },
  { args: ['get', '/c/k'] },
  { args: ['endpoint', 'status', '-w', 'json'] },
];

async function runScript(proc: StoreProcess): Promise<string[]> {
  const outputs: string[] = [];
  let baseIndex: number | undefined;
  for (const step of script) {
    const r = etcdctl(proc.endpoint, step.args, step.input);
    let text = normalize(`$ etcdctl ${step.args.join(' ')}\nexit ${r.code}\n${r.stdout}${r.stderr}`);
    // The raft index at the start depends on how often the harness polled /health
    // (each poll is a log entry in etcd 3.4), so compare how it advances instead.
    const first = /"raftIndex":(\d+)/.exec(text);
    if (first && baseIndex === undefined) baseIndex = Number(first[1]);
    if (baseIndex !== undefined) {
      const base = baseIndex;
      text = text
        .replace(/"raft(Applied)?Index":(\d+)/g, (_m, applied: string | undefined, n: string) => `"raft${applied ?? ''}Index":+${Number(n) - base}`)
        .replace(/\|\s+(\d+)\s+\|\s+(\d+)\s+\|\s+(\|)/g, (_m, a: string, b: string) => `| +${Number(a) - base} | +${Number(b) - base} |        |`);
    }
    outputs.push(text);
  }
  return outputs;
}

test('etcdctl 3.4: the same KV script gives the same output from etcd and kite store', { timeout: 180_000 }, async (t) => {
  const both = await onEtcdAndKite(t, 'diff1', runScript, [['etcdctl', 'etcd-client']]);
  if (both === undefined) return;
  const { etcd, kite } = both;
  // Sanity: the script really exercised the server (so equality means something).
  assert.match(etcd[3]!, /\/singless\/test\/gender\nmale/);
  assert.match(etcd.join('\n'), /required revision has been compacted/);
  for (let i = 0; i < script.length; i++) assert.equal(kite[i], etcd[i], `step ${i}: etcdctl ${script[i]!.args.join(' ')}`);
});
