// Runs every transcript in testdata/. REWRITE=1 regenerates their outputs instead.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkTranscriptFile } from './transcript.js';

const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'testdata');
const rewrite = process.env['REWRITE'] === '1';

for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
  test(`transcript ${file}`, () => {
    const mismatches = checkTranscriptFile(join(dir, file), rewrite);
    assert.deepEqual(mismatches, [], `${mismatches.join('\n\n')}\n(run with REWRITE=1 to regenerate, then review the diff)`);
  });
}
