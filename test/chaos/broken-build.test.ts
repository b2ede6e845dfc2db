// The deliberately broken builds must keep applying as the code changes: a patch that no
// longer matches would leave a checker without the proof that it catches its bug.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/processes.js';
import { BROKEN_BUILDS, makeBrokenBuild } from './broken-build.js';

for (const [bug, build] of Object.entries(BROKEN_BUILDS)) {
  test(`broken build ${bug}: every patch applies to the current dist/`, () => {
    const dir = tempDir(`broken-${bug}`);
    try {
      const bin = makeBrokenBuild(bug, dir.path);
      assert.equal(bin, join(dir.path, 'dist', 'bin', 'kite.js'));
      for (const patch of build.patches) {
        const text = readFileSync(join(dir.path, 'dist', patch.file), 'utf8');
        assert.ok(text.includes(patch.to), `${patch.file} carries the patch`);
      }
    } finally {
      dir.remove();
    }
  });
}
