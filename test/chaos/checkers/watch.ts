// Watch streams against the store's revision log: each watcher must see exactly the log's
// events in its key range from its start revision, in revision order, each once, with no
// gap, across every reconnect.
//
// A watcher is what an application sees (a clientv3 watch channel, a Kubernetes
// reflector): one logical stream made of sessions, each session one Watch request on some
// member. The first session starts at the watcher's start revision; after a disconnect the
// client resumes from the last revision it received plus one. The checker reads the
// concatenated stream against the log:
// - out-of-order: an event with a lower revision than one before it (the order of the
//   events of one revision, a txn's, is not checked);
// - duplicate: an event delivered again (also when a resume starts too early);
// - gap: log events missing before the last event delivered (or before syncedTo when the
//   harness confirmed the watcher was caught up); a gap right at a reconnect is a
//   'resume-gap' (the resume revision skipped events, or the new session lost its first ones);
// - phantom: an event the log does not have;
// - mismatch: an event the log has (same revision and key) with other contents;
// - out-of-range: an event for a key outside the watched range;
// - before-start: a session delivered an event below the revision it was asked to start at;
// - spurious-compaction: a session cancelled as compacted though its start revision was not.
// A session cancelled because its start revision was compacted is legitimate; the events
// between it and the next session are then not required (the application relists).

import { inRange, keyAfter, prefixRangeEnd, toKeyRange, type KeyRange } from '../../../storage/mvcc/key-value.js';
import { eventKey, type KvEvent, type RevisionLog } from './history.js';

/** The key range a watcher watches: the store's own KeyRange (latin1 keys). */
export type WatchRange = KeyRange;

/** The range of one key. */
export function singleKey(key: string): WatchRange {
  return { start: key, end: keyAfter(key) };
}

/** The range of every key starting with p (etcd's WithPrefix; keys are latin1 or ASCII). */
export function prefixRange(p: string): WatchRange {
  const start = Buffer.from(p, 'latin1');
  return toKeyRange(start, prefixRangeEnd(start));
}

/** One Watch request's stream, from creation to its end. */
export interface WatchSession {
  /**
   * The revision it was asked to start at: the watcher's start revision for the first
   * session, the resume revision after a reconnect. For a watch created "from now"
   * (start_revision 0), the created response's header revision + 1.
   */
  readonly fromRevision: number;
  /** The events received, in arrival order. */
  readonly events: readonly KvEvent[];
  /** Set when the server cancelled the session as compacted: its compact_revision. */
  readonly compactRevision?: number;
}

/** One application-level watcher. */
export interface WatcherRecord {
  /** For reports. */
  readonly id: string;
  readonly range: WatchRange;
  /** The first revision it wants events from. */
  readonly startRevision: number;
  /** Its sessions in order. */
  readonly sessions: readonly WatchSession[];
  /**
   * The revision through which the watcher is known to have received everything (e.g. a
   * progress notification's header revision once the run was over). Without it only events
   * before the last one received are required.
   */
  readonly syncedTo?: number;
}

export type WatchViolationKind =
  | 'out-of-order'
  | 'duplicate'
  | 'gap'
  | 'resume-gap'
  | 'phantom'
  | 'mismatch'
  | 'out-of-range'
  | 'before-start'
  | 'spurious-compaction';

/** One anomaly in one watcher's stream. */
export interface WatchViolation {
  readonly kind: WatchViolationKind;
  readonly watcher: string;
  /** The session (0-based) the anomaly was seen in; for a gap, the session after it or the last one. */
  readonly session: number;
  /** The events concerned: the event received, or for a gap the missing ones (at most 10). */
  readonly events: readonly KvEvent[];
  /** For a gap: how many events are missing. */
  readonly count?: number;
  readonly message: string;
}

/** What checkWatches found. */
export interface WatchReport {
  readonly ok: boolean;
  readonly violations: readonly WatchViolation[];
  /** Events received over all watchers. */
  readonly eventsChecked: number;
}

function describe(e: KvEvent): string {
  const v = e.type === 'put' ? `=${JSON.stringify(e.value)}` : '';
  return `${e.type} ${e.key}${v} @${e.modRevision}`;
}

/** Whether a received event says what the log says; optional fields count when both have them. */
function sameEvent(got: KvEvent, want: KvEvent): boolean {
  const optional = (a: unknown, b: unknown): boolean => a === undefined || b === undefined || a === b;
  return (
    got.type === want.type &&
    (got.type === 'delete' || got.value === want.value) &&
    optional(got.createRevision, want.createRevision) &&
    optional(got.version, want.version) &&
    optional(got.lease, want.lease)
  );
}

/** Checks every watcher against the revision log. */
export function checkWatches(watchers: readonly WatcherRecord[], log: RevisionLog): WatchReport {
  const violations: WatchViolation[] = [];
  let eventsChecked = 0;
  for (const w of watchers) {
    eventsChecked += w.sessions.reduce((n, s) => n + s.events.length, 0);
    violations.push(...checkWatcher(w, log));
  }
  return { ok: violations.length === 0, violations, eventsChecked };
}

function checkWatcher(w: WatcherRecord, log: RevisionLog): WatchViolation[] {
  const out: WatchViolation[] = [];
  const report = (kind: WatchViolationKind, session: number, events: KvEvent[], message: string, count?: number): void => {
    out.push({ kind, watcher: w.id, session, events, message: `watcher ${w.id} session ${session}: ${message}`, ...(count === undefined ? {} : { count }) });
  };

  // The events the watcher must see, in log order, from the first revision the log covers.
  const from = Math.max(w.startRevision, log.fromRevision);
  const expected = log.events.filter((e) => inRange(w.range, e.key) && e.modRevision >= from);
  const position = new Map(expected.map((e, i) => [eventKey(e.modRevision, e.key), i]));
  const delivered = new Uint8Array(expected.length);
  /** Revision intervals [lo, hi] whose events are not required (compaction) or missed at a resume. */
  const excused: [number, number][] = [];
  const seams: { lo: number; hi: number; session: number }[] = [];

  let lastRevision = w.startRevision - 1;
  let compactedBefore = false;
  w.sessions.forEach((s, k) => {
    if (s.fromRevision > lastRevision + 1) {
      if (compactedBefore) excused.push([lastRevision + 1, s.fromRevision - 1]);
      else seams.push({ lo: lastRevision + 1, hi: s.fromRevision - 1, session: k });
    }
    if (s.compactRevision !== undefined && s.fromRevision >= s.compactRevision)
      report('spurious-compaction', k, [], `cancelled as compacted at ${s.compactRevision}, but it started at ${s.fromRevision}`);
    compactedBefore = s.compactRevision !== undefined;
    const resumedAt = lastRevision;
    for (const e of s.events) {
      if (e.modRevision < s.fromRevision) {
        report('before-start', k, [e], `received ${describe(e)}, below the revision it started at, ${s.fromRevision}`);
        continue;
      }
      if (!inRange(w.range, e.key)) {
        report('out-of-range', k, [e], `received ${describe(e)}, outside [${w.range.start}, ${w.range.end ?? '∞'})`);
        continue;
      }
      if (e.modRevision < log.fromRevision) continue;
      const i = position.get(eventKey(e.modRevision, e.key));
      if (i === undefined) {
        report('phantom', k, [e], `received ${describe(e)}, which the revision log does not have (it covers ${log.fromRevision}..${log.toRevision})`);
        continue;
      }
      if (!sameEvent(e, expected[i]!)) report('mismatch', k, [e], `received ${describe(e)}, but the revision log has ${describe(expected[i]!)}`);
      if (delivered[i] === 1) {
        const why = e.modRevision <= resumedAt ? ` (the session resumed at ${s.fromRevision}, but ${resumedAt} had been received)` : '';
        report('duplicate', k, [e], `received ${describe(e)} again${why}`);
        continue;
      }
      if (e.modRevision < lastRevision) report('out-of-order', k, [e], `received ${describe(e)} after an event of revision ${lastRevision}`);
      delivered[i] = 1;
      lastRevision = Math.max(lastRevision, e.modRevision);
    }
  });

  // Missing events, up to what the watcher must have seen, grouped into runs.
  const upTo = Math.max(lastRevision, w.syncedTo ?? -Infinity);
  const isExcused = (r: number): boolean => excused.some(([lo, hi]) => r >= lo && r <= hi);
  const seamOf = (r: number): (typeof seams)[number] | undefined => seams.find((sm) => r >= sm.lo && r <= sm.hi);
  let run: KvEvent[] = [];
  let runSeam: (typeof seams)[number] | undefined;
  const flush = (): void => {
    if (run.length === 0) return;
    const first = run[0]!;
    const lastMissing = run[run.length - 1]!;
    const what = run.length === 1 ? describe(first) : `${run.length} events, ${describe(first)} .. ${describe(lastMissing)}`;
    if (runSeam !== undefined)
      report(
        'resume-gap',
        runSeam.session,
        run.slice(0, 10),
        `missing ${what}: the session resumed at ${runSeam.hi + 1} after revision ${runSeam.lo - 1}`,
        run.length,
      );
    else {
      const session = sessionAfter(w, first.modRevision);
      report('gap', session, run.slice(0, 10), `missing ${what}`, run.length);
    }
    run = [];
    runSeam = undefined;
  };
  expected.forEach((e, i) => {
    const missing = delivered[i] === 0 && e.modRevision <= upTo && !isExcused(e.modRevision);
    const seam = missing ? seamOf(e.modRevision) : undefined;
    if (!missing || seam !== runSeam) flush();
    if (missing) {
      run.push(e);
      runSeam = seam;
    }
  });
  flush();
  return out;
}

/** The last session that started at or before revision r (where a gap at r shows). */
function sessionAfter(w: WatcherRecord, r: number): number {
  let k = 0;
  w.sessions.forEach((s, i) => {
    if (s.fromRevision <= r) k = i;
  });
  return k;
}

/** A revision log from events read back in order (e.g. one Watch from fromRevision over every key). */
export function revisionLog(events: readonly KvEvent[], fromRevision: number, toRevision: number): RevisionLog {
  return { fromRevision, toRevision, events: events.filter((e) => e.modRevision >= fromRevision && e.modRevision <= toRevision) };
}
