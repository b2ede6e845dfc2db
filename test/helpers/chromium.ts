// Finding a Chromium for the browser tests (playwright-core drives it; it downloads none):
// $CHROMIUM, else chromium or chromium-browser on PATH. When there is none the tests skip,
// loudly, saying how to get one.
import { existsSync, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { repoRoot } from './processes.js';

/** The Chromium executable to drive, or undefined. */
export function findChromium(): string | undefined {
  const given = process.env.CHROMIUM;
  if (given !== undefined && given !== '') return existsSync(given) ? given : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const path = join(dir, name);
      if (existsSync(path)) return path;
    }
  }
  return undefined;
}

/** The skip reason for node:test when no Chromium is found (printed loudly), or false. */
export function missingChromium(): string | false {
  if (findChromium() !== undefined) return false;
  const why = 'SKIPPED: no Chromium for the browser tests (set CHROMIUM, or apt-get install -y chromium)';
  process.stderr.write(`\n*** ${why} ***\n\n`);
  return why;
}

/** Where the browser tests save their screenshots (git-ignored); made if missing. */
export function artifactsDir(name: string): string {
  const dir = join(repoRoot, 'test-artifacts', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
