// Acknowledged writes survive: every write the store acknowledged ('ok') is in the final
// state, or was legitimately replaced by a later change of its key.
//
// An acknowledged write w of key k at revision r, against the final read's entry f of k:
// - a put: f.modRevision == r with w's value, or f.modRevision > r (a later write); if k
//   is gone, something later may have deleted it: an acknowledged delete of k at a revision
//   above r, a delete of unknown outcome, or the end of a lease the key was put with (at r or
//   later, or by a write of unknown outcome). Otherwise w was lost: f.modRevision < r means
//   the key went back to an older version.
// - a delete (deleted 1): k is gone, or f.modRevision > r (put again later); a key with
//   f.modRevision <= r came back.
// With the revision log, also: the log's revision r holds w's change to k. This catches a
// write that was lost and then overwritten, which the final state alone cannot show.

import { ackedWrites, describeOperation, eventKey, type FinalKv, type FinalState, type KvEvent, type Operation, type RevisionLog } from './history.js';

/** One lost acknowledged write. */
export interface LostWrite {
  readonly kind: 'lost-write' | 'lost-delete' | 'wrong-value' | 'missing-from-log';
  readonly key: string;
  /** The write's revision. */
  readonly revision: number;
  /** Index of the write in the history. */
  readonly index: number;
  /** The key in the final state, if it exists. */
  readonly final: FinalKv | undefined;
  readonly message: string;
}

/** What checkDurability found. */
export interface DurabilityReport {
  readonly ok: boolean;
  readonly lost: readonly LostWrite[];
  /** Acknowledged writes checked (a txn counts once per key). */
  readonly writesChecked: number;
}

/** Checks every acknowledged write against the final state and, if given, the revision log. */
export function checkDurability(history: readonly Operation[], final: FinalState, options: { readonly log?: RevisionLog } = {}): DurabilityReport {
  const finalByKey = new Map(final.kvs.map((kv) => [kv.key, kv]));
  const logged = new Map<string, KvEvent>();
  for (const e of options.log?.events ?? []) logged.set(eventKey(e.modRevision, e.key), e);

  // Per key: the revisions of acknowledged deletes, whether a delete of unknown outcome
  // exists, and the revisions of puts with a lease (Infinity for one of unknown outcome).
  const ackedDeletes = new Map<string, number[]>();
  const unknownDelete = new Set<string>();
  const leasedPuts = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, k: string, r: number): void => {
    const list = m.get(k);
    if (list === undefined) m.set(k, [r]);
    else list.push(r);
  };
  for (const op of history) {
    if (op.kind === 'delete') {
      if (op.status === 'unknown') unknownDelete.add(op.key);
      else if (op.status === 'ok' && op.output !== undefined && op.output.deleted > 0) push(ackedDeletes, op.key, op.output.revision);
    } else if (op.kind === 'put' && op.input.lease !== undefined && op.status !== 'fail') {
      push(leasedPuts, op.key, op.status === 'ok' && op.output !== undefined ? op.output.revision : Infinity);
    }
  }

  const lost: LostWrite[] = [];
  let writesChecked = 0;
  history.forEach((op, index) => {
    for (const w of ackedWrites(op, index)) {
      writesChecked++;
      const f = finalByKey.get(w.key);
      const what = describeOperation(op, index);
      const report = (kind: LostWrite['kind'], why: string): void => {
        lost.push({ kind, key: w.key, revision: w.revision, index, final: f, message: `${what}${op.kind === 'txn' ? ` (key ${w.key})` : ''}: ${why}` });
      };

      if (options.log !== undefined && w.revision >= options.log.fromRevision && w.revision <= options.log.toRevision) {
        const e = logged.get(eventKey(w.revision, w.key));
        const matches = e !== undefined && (w.value === null ? e.type === 'delete' : e.type === 'put' && e.value === w.value);
        if (!matches) {
          const has = e === undefined ? `no change of ${w.key}` : `${e.type} ${JSON.stringify(e.value)}`;
          report('missing-from-log', `the revision log has ${has} at revision ${w.revision}`);
        }
      }

      const finalText = f === undefined ? 'it does not exist' : `it is ${JSON.stringify(f.value)} at modRevision ${f.modRevision}`;
      if (w.value === null) {
        if (f !== undefined && f.modRevision <= w.revision) report('lost-delete', `deleted at revision ${w.revision}, but at the end ${finalText}`);
        continue;
      }
      if (f === undefined) {
        const deletedLater = (ackedDeletes.get(w.key) ?? []).some((r) => r > w.revision);
        const leaseEnded = (leasedPuts.get(w.key) ?? []).some((r) => r >= w.revision);
        if (!deletedLater && !unknownDelete.has(w.key) && !leaseEnded)
          report('lost-write', `written at revision ${w.revision}, but at the end ${finalText} and nothing deleted it`);
      } else if (f.modRevision < w.revision) report('lost-write', `written at revision ${w.revision}, but at the end ${finalText}`);
      else if (f.modRevision === w.revision && f.value !== w.value)
        report('wrong-value', `written at revision ${w.revision}, but at the end ${finalText}`);
    }
  });
  return { ok: lost.length === 0, lost, writesChecked };
}
