import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etcdctl, etcdctlStreaming, onEtcdAndKite, type CommandResult, type StoreProcess } from '../helpers/processes.js';
import { normalize } from '../helpers/normalize.js';

/**
 * etcdctl 3.4's watch, lease, lock and elect commands against a fresh etcd and a
 * fresh kite store with the same flags and ports: outputs equal after blanking
 * lease ids (random in both) and remaining TTLs.
 */
type Step =
  | { readonly kind: 'run'; readonly args: readonly string[] }
  | { readonly kind: 'stream'; readonly args: readonly string[]; readonly during: readonly (readonly string[])[]; readonly lines: number };

const run = (...args: string[]): Step => ({ kind: 'run', args });
const stream = (args: string[], during: string[][], lines: number): Step => ({ kind: 'stream', args, during, lines });

const script: Step[] = [
  run('put', '/w/a', '1'),
  run('put', '/w/b', '2'),
  run('del', '/w/a'),
  // History from revision 2 with previous values, then a live event.
  stream(['watch', '--prefix', '/w', '--rev=2', '--prev-kv'], [['put', '/w/c', '3']], 15),
  // Live only, JSON, two events.
  stream(['watch', '/w/c', '-w', 'json'], [['put', '/w/c', '4'], ['put', '/w/c', '5']], 2),
  // Filters by range: a key outside the range is not seen.
  stream(['watch', '/w/c', '/w/d'], [['put', '/x', 'no'], ['put', '/w/c', '6']], 3),
  // Leases.
  run('lease', 'grant', '60'),
  run('lease', 'list'),
  run('put', '--lease=LEASE', '/l/a', 'x'),
  run('put', '--lease=LEASE', '/l/b', 'y'),
  run('lease', 'timetolive', 'LEASE', '--keys'),
  run('lease', 'timetolive', 'LEASE', '--keys', '-w', 'json'),
  run('lease', 'keep-alive', '--once', 'LEASE'),
  run('get', '/l', '--prefix', '-w', 'json'),
  stream(['watch', '--prefix', '/l'], [['lease', 'revoke', 'LEASE']], 4),
  run('get', '/l', '--prefix'),
  run('lease', 'timetolive', 'LEASE'),
  run('lease', 'revoke', 'LEASE'),
  run('lease', 'keep-alive', '--once', 'LEASE'),
  run('lease', 'grant', '9000000001'),
  run('lease', 'list'),
  // A watch from a compacted revision is cancelled.
  run('compaction', '5'),
  stream(['watch', '--rev=2', '/w/a'], [], 2),
  // etcdctl's own lock and election, on KV, Watch and Lease.
  run('lock', 'mylock', '--', 'echo', 'holding the lock'),
  stream(['elect', 'myelection', 'p1'], [], 2),
  run('endpoint', 'status', '-w', 'table'),
];

let leaseHex = '';

function substitute(args: readonly string[]): string[] {
  return args.map((a) => a.replace('LEASE', leaseHex));
}

function blank(text: string): string {
  return normalize(text)
    .replace(/\b[0-9a-f]{12,16}\b/g, '<id>')
    .replace(/"ID":\d+/g, '"ID":<id>')
    .replace(/"(lease|id)":\d{6,}/g, '"$1":<id>')
    .replace(/remaining\(\d+s\)/g, 'remaining(<n>s)')
    .replace(/"(TTL|ttl)":(5[89]|60)/g, '"$1":<about 60>')
    .replace(/with TTL\((5[89]|60)\)/g, 'with TTL(<about 60>)')
    // The raft index depends on how often the harness polled /health before the script
    // (each poll is a log entry in etcd); the KV differential test compares its advance.
    .replace(/\|\s+(\d+)\s+\|\s+(\d+)\s+\|\s+\|$/gm, '| <index> | <index> |        |')
    // etcd lists a lease's keys in Go map order, which varies from run to run.
    .replace(/"keys":\[([^\]]*)\]/g, (_m, list: string) => `"keys":[${list.split(',').sort().join(',')}]`)
    .replace(/attached keys\(\[([^\]]*)\]\)/g, (_m, list: string) => `attached keys([${list.split(' ').sort().join(' ')}])`);
}

function show(args: readonly string[], r: CommandResult): string {
  return blank(`$ etcdctl ${args.join(' ')}\nexit ${r.code}\n${r.stdout}${r.stderr}`);
}

async function runScript(proc: StoreProcess): Promise<string[]> {
  const out: string[] = [];
  for (const step of script) {
    const args = substitute(step.args);
    if (step.kind === 'run') {
      const r = etcdctl(proc.endpoint, args);
      if (args[0] === 'lease' && args[1] === 'grant' && r.code === 0) leaseHex = /lease ([0-9a-f]+) granted/.exec(r.stdout)?.[1] ?? '';
      out.push(show(args, r));
    } else {
      const endpoint = proc.endpoint;
      const r = await etcdctlStreaming(
        endpoint,
        args,
        () => {
          for (const d of step.during) etcdctl(endpoint, substitute(d));
        },
        (o) => o.split('\n').filter((l) => l !== '').length >= step.lines,
      );
      // A stopped stream's exit status depends on when the signal lands; compare output only.
      out.push(blank(`$ etcdctl ${args.join(' ')}\n${r.stdout}${r.stderr.split('\n').filter((l) => !l.startsWith('{"level":')).join('\n')}`));
    }
  }
  return out;
}

test('etcdctl 3.4: watch, lease, lock and elect give the same output from etcd and kite store', { timeout: 180_000 }, async (t) => {
  const both = await onEtcdAndKite(t, 'wl', runScript, [['etcdctl', 'etcd-client']]);
  if (both === undefined) return;
  const { etcd, kite } = both;
  assert.match(etcd.join('\n'), /holding the lock/, 'sanity: the lock step ran');
  assert.match(etcd.join('\n'), /DELETE\n\/l\/a/, 'sanity: revoking the lease deleted its keys');
  for (let i = 0; i < script.length; i++) assert.equal(kite[i], etcd[i], `step ${i}: etcdctl ${script[i]!.args.join(' ')}`);
});
