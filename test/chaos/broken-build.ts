// Deliberately broken builds of kite, to show that each checker catches a real bug: a copy
// of dist/ with one known fault patched into the compiled JavaScript. The harness runs a
// cluster of the copy (KITE_BIN) exactly as it runs the real build.

import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/processes.js';

interface Patch {
  /** The compiled file, under dist/. */
  readonly file: string;
  readonly from: string;
  readonly to: string;
}

export const BROKEN_BUILDS: Record<string, { readonly what: string; readonly patches: readonly Patch[] }> = {
  'stale-reads': {
    what: 'linearizable reads are served from local state, without ReadIndex',
    patches: [{ file: 'storage/server/store-server.js', from: 'return serializable ? undefined : this.linearizableRead();', to: 'return undefined;' }],
  },
  'fsync-skipped': {
    // Invisible to process crashes (the page cache keeps the writes); the power-cut
    // nemesis drops every write not synced (test/chaos/powercut.ts).
    what: 'the Raft log (its WAL batches, on the event loop or the thread pool) and the store never fsync (lmdb noSync)',
    patches: [
      { file: 'storage/raft/wal/wal.js', from: 'sync(inPool = false) {\n        if (this.options.unsafeNoSync === true)', to: 'sync(inPool = false) {\n        if (true)' },
      { file: 'storage/mvcc/backend.js', from: 'noSync: this.options.unsafeNoSync === true,', to: 'noSync: true,' },
    ],
  },
  'ack-before-persist': {
    // The bug a process crash can show: the Raft log write reaches the OS 100 ms after the
    // driver has acknowledged and applied the entries.
    what: 'the Raft driver acknowledges and applies entries before its log write, which reaches the disk 100 ms later',
    patches: [
      { file: 'storage/raft/node.js', from: 'if (rd.mustSync)\n            await persisted;', to: 'if (rd.mustSync)\n            void persisted;' },
      {
        file: 'storage/raft/disk-storage.js',
        from: 'return this.wal.append(records, sync, head, releaseTo, overlap).catch(',
        to: 'return new Promise((r) => setTimeout(r, 100)).then(() => this.wal.append(records, sync, head, releaseTo, overlap)).catch(',
      },
    ],
  },
  'watch-drop': {
    what: 'a watch resumed from a revision drops the event at that revision',
    patches: [
      {
        file: 'storage/mvcc/watchable-store.js',
        from: 'const start = options.startRevision > 0 ? options.startRevision : this.kv.revision + 1;',
        to: 'const start = options.startRevision > 0 ? options.startRevision + 1 : this.kv.revision + 1;',
      },
    ],
  },
};

/**
 * Copies dist/ to dir with bug's patch applied; returns the path of its kite.js. The copy
 * lives inside the repository so that it resolves the same node_modules.
 */
export function makeBrokenBuild(bug: string, dir: string): string {
  const build = BROKEN_BUILDS[bug];
  if (build === undefined) throw new Error(`unknown broken build ${bug}; known: ${Object.keys(BROKEN_BUILDS).join(', ')}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(repoRoot, 'dist'), join(dir, 'dist'), { recursive: true });
  for (const patch of build.patches) {
    const path = join(dir, 'dist', patch.file);
    const text = readFileSync(path, 'utf8');
    if (!text.includes(patch.from)) throw new Error(`the ${bug} patch no longer applies to dist/${patch.file}`);
    writeFileSync(path, text.replace(patch.from, patch.to));
  }
  return join(dir, 'dist', 'bin', 'kite.js');
}
