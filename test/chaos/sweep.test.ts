// The chaos harness's short sweep, as CI runs it: three 40 s runs against a kite cluster
// that between them inject every nemesis (runs 1 and 3 with mutual TLS between the members),
// and one run against real etcd (the checkers must raise no false alarm there). Each run is
// a separate process (test/chaos/run.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { missingTool, repoRoot, tempDir } from '../helpers/processes.js';
import { NEMESES } from './nemesis.js';

function runChaos(args: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/chaos/run.ts', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, out }));
  });
}

/** The lines a reader needs when a sweep fails: the harness's own, not the members' logs. */
function summary(out: string): string {
  return out
    .split('\n')
    .filter((l) => !l.startsWith('{'))
    .join('\n');
}

test('chaos sweep on kite: every nemesis, no violation', { timeout: 600_000 }, async () => {
  const dir = tempDir('chaos-sweep');
  try {
    const r = await runChaos(['--target', 'kite', '--runs', '3', '--duration', '40', '--seed', '7', '--peer-tls', 'alternate', '--out', dir.path]);
    assert.equal(r.code, 0, summary(r.out));
    assert.match(r.out, /no violations/);
    for (const n of NEMESES) assert.match(r.out, new RegExp(`│ \\d+\\s+│ '${n}'\\s+│ [1-9]`), `nemesis ${n} injected at least once:\n${summary(r.out)}`);
  } finally {
    dir.remove();
  }
});

test('chaos run on real etcd: the checkers raise no false alarm', { skip: missingTool('etcd', 'etcd-server'), timeout: 300_000 }, async () => {
  const dir = tempDir('chaos-etcd');
  try {
    const r = await runChaos(['--target', 'etcd', '--runs', '1', '--duration', '30', '--seed', '8', '--out', dir.path]);
    assert.equal(r.code, 0, summary(r.out));
    assert.match(r.out, /no violations/);
  } finally {
    dir.remove();
  }
});
