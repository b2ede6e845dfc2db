import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../storage/server/member-flags.js';
import { openMemberLog, parseLogSettings } from '../../storage/server/member-log.js';
import { kiteBin, startStore, tempDir } from '../helpers/processes.js';

test('--logger, --log-level and --log-outputs are checked as etcd checks them', () => {
  const refused = (logger: string, level: string, outputs: string): string => {
    try {
      parseLogSettings(logger, level, outputs);
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.message;
    }
    return 'accepted';
  };
  assert.equal(refused('zap', 'info', 'default'), 'accepted');
  assert.equal(refused('zap', 'debug', 'stderr,stdout,/var/log/kite.log'), 'accepted');
  assert.match(refused('capnslog', 'info', 'default'), /--logger=capnslog is not supported/);
  assert.equal(refused('bogus', 'info', 'default'), 'unknown logger option "bogus"');
  assert.equal(refused('zap', 'bogus', 'default'), '--log-level: unknown level "bogus"');
  assert.equal(refused('zap', 'info', 'default,stdout'), 'multi logoutput for "default" is not supported yet');
  assert.match(refused('zap', 'info', 'journal'), /journal is not supported/);
  assert.match(refused('zap', 'info', 'logs/kite.log'), /unknown log-output "logs\/kite.log"/);
});

test('a member log drops lines below its level and writes zap-style JSON lines to every output', () => {
  const dir = tempDir('member-log');
  try {
    const file = join(dir.path, 'kite.log');
    const { log, close } = openMemberLog(parseLogSettings('zap', 'warn', file));
    log('info', 'kite/test', 'not logged');
    log('warn', 'kite/test', 'logged', { key: 'v' });
    log('error', 'kite/test', 'also logged');
    close();
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => [l.level, l.caller, l.msg, l.key]), [['warn', 'kite/test', 'logged', 'v'], ['error', 'kite/test', 'also logged', undefined]]);
    assert.deepEqual(Object.keys(lines[0]!).slice(0, 4), ['level', 'ts', 'caller', 'msg']);
  } finally {
    dir.remove();
  }
});

test('kite store honours --log-level and --log-outputs (and their ETCD_ variables)', { timeout: 60_000 }, async () => {
  const dir = tempDir('member-log-store');
  try {
    const file = join(dir.path, 'member.log');
    // Info lines go to the file only.
    const quiet = await startStore({ kind: 'kite', dataDir: join(dir.path, 'a'), extraArgs: [`--log-outputs=${file}`] });
    await quiet.stop();
    assert.doesNotMatch(quiet.output(), /starting kite store/);
    assert.match(readFileSync(file, 'utf8'), /"msg":"starting kite store"/);
    // At warn, a clean start logs nothing.
    const warnOnly = await startStore({ kind: 'kite', dataDir: join(dir.path, 'b'), env: { ETCD_LOG_LEVEL: 'warn' } });
    await warnOnly.stop();
    assert.doesNotMatch(warnOnly.output(), /"level":"info"/);
    // A bad value stops the start, naming the flag.
    const bad = spawnSync(process.execPath, [kiteBin, 'store', `--data-dir=${join(dir.path, 'c')}`, '--log-level=loud'], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--log-level: unknown level \\"loud\\"/);
  } finally {
    dir.remove();
  }
});
