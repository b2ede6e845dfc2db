// Regenerates the types into a temp dir and compares them with the checked-in
// schemas/generated files, so a source change without `npm run gen` fails CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('schemas/generated matches what scripts/gen-types.mjs writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kite-gen-'));
  try {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/gen-types.mjs', '--out', dir], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const fresh = readdirSync(dir).sort();
    assert.deepEqual(readdirSync('schemas/generated').sort(), fresh, 'file set differs: run npm run gen');
    for (const name of fresh) {
      assert.equal(readFileSync(join('schemas/generated', name), 'utf8'), readFileSync(join(dir, name), 'utf8'), `schemas/generated/${name} is stale: run npm run gen`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
