// Leases: keys of a lease that ended are gone at the end; keys of a lease that was kept
// alive to the end are still there; a lease that ended is not renewed, nor gets new keys.
//
// Inputs: the history's lease operations (leaseGrant, one leaseKeepAlive per keep-alive
// request and its response, leaseRevoke) and puts with a lease, the final state with each
// key's lease, and the times at which the cluster may have given every lease its full TTL
// again (leader changes: etcd's new leader, like Kite's lessor on start, renews every lease).
//
// Per lease, from its latest acknowledged grant, two bounds on when it expires:
// - latest: grant or acknowledged keep-alive completion + TTL + slack, extended by a
//   keep-alive of unknown outcome (at the latest unknownDelayMs after it was sent) or a
//   refresh, if the lease could still have been alive then;
// - earliest: grant or acknowledged keep-alive invocation + TTL - slack.
// A lease is certainly over at the final read if it was revoked ('ok'), a keep-alive
// answered TTL 0, or the read started after the latest bound; certainly alive if none of
// that, no revoke of unknown outcome, and the read completed before the earliest bound.
//
// slackMs must cover the lessor's expiry check interval, the time a revoke takes through
// Raft, the extension a new leader adds (etcd: the election timeout), how late a leader
// change is noticed, and clock imprecision.

import { describeOperation, type FinalState, type LeaseGrantOp, type LeaseKeepAliveOp, type LeaseRevokeOp, type Operation, type PutOp } from './history.js';

/** Knobs of checkLeases. */
export interface LeaseCheckOptions {
  /** Timing tolerance, ms (see above). */
  readonly slackMs: number;
  /** How long after it was sent a keep-alive of unknown outcome may still renew its lease, ms. Default 10,000. */
  readonly unknownDelayMs?: number;
  /** Times (the operations' clock) at which every live lease may have been renewed: leader changes. */
  readonly refreshes?: readonly number[];
}

export type LeaseViolationKind =
  | 'key-survived-revoke'
  | 'key-survived-expiry'
  | 'key-vanished'
  | 'renewed-after-end'
  | 'renewed-after-expiry'
  | 'attached-after-end';

/** One lease anomaly. */
export interface LeaseViolation {
  readonly kind: LeaseViolationKind;
  /** Lease id, decimal. */
  readonly lease: string;
  readonly key?: string;
  /** The operation concerned, as an index in the history. */
  readonly index?: number;
  readonly message: string;
}

/** What checkLeases found. */
export interface LeaseReport {
  readonly ok: boolean;
  readonly violations: readonly LeaseViolation[];
  readonly leasesChecked: number;
}

interface Indexed<T> {
  readonly op: T;
  readonly index: number;
}

/** Checks every lease acknowledged as granted in the history. */
export function checkLeases(history: readonly Operation[], final: FinalState, options: LeaseCheckOptions): LeaseReport {
  const slack = options.slackMs;
  const unknownDelay = options.unknownDelayMs ?? 10_000;
  const refreshes = options.refreshes ?? [];

  const grants = new Map<string, Indexed<LeaseGrantOp>>();
  history.forEach((op, index) => {
    if (op.kind === 'leaseGrant' && op.status === 'ok' && op.output !== undefined) {
      const prev = grants.get(op.output.id);
      if (prev === undefined || prev.op.invokedAt < op.invokedAt) grants.set(op.output.id, { op, index });
    }
  });

  const violations: LeaseViolation[] = [];
  for (const [id, grant] of grants) {
    const since = grant.op.invokedAt;
    const ttlMs = grant.op.output!.ttl * 1000;
    const mine = <T extends Operation>(pred: (op: Operation) => op is T): Indexed<T>[] => {
      const out: Indexed<T>[] = [];
      history.forEach((op, index) => {
        if (pred(op) && op.invokedAt >= since) out.push({ op, index });
      });
      return out;
    };
    const keepAlives = mine((op): op is LeaseKeepAliveOp => op.kind === 'leaseKeepAlive' && op.input.id === id);
    const revokes = mine((op): op is LeaseRevokeOp => op.kind === 'leaseRevoke' && op.input.id === id);
    const puts = mine((op): op is PutOp => op.kind === 'put' && op.input.lease === id);

    // When the lease certainly ended, if it did: an acknowledged revoke, or a keep-alive answered 0.
    let endedAt = Infinity;
    let endedBy: Indexed<Operation> | undefined;
    for (const e of [...revokes, ...keepAlives]) {
      const ends = e.op.status === 'ok' && (e.op.kind === 'leaseRevoke' || (e.op.output as { ttl: number }).ttl <= 0);
      if (ends && e.op.completedAt < endedAt) {
        endedAt = e.op.completedAt;
        endedBy = e;
      }
    }
    const endName = endedBy?.op.kind === 'leaseRevoke' ? 'revoked' : 'reported gone';

    // The latest expiry, renewal by renewal in time order.
    type Renewal = { at: number; kind: 'ack' | 'unknown' | 'refresh'; ka?: Indexed<LeaseKeepAliveOp> };
    const renewals: Renewal[] = [];
    for (const ka of keepAlives) {
      if (ka.op.status === 'ok' && ka.op.output!.ttl > 0) renewals.push({ at: ka.op.invokedAt, kind: 'ack', ka });
      else if (ka.op.status === 'unknown') renewals.push({ at: ka.op.invokedAt, kind: 'unknown' });
    }
    for (const t of refreshes) if (t >= since) renewals.push({ at: t, kind: 'refresh' });
    renewals.sort((a, b) => a.at - b.at);
    let latest = grant.op.completedAt + ttlMs + slack;
    let earliest = grant.op.invokedAt + ttlMs - slack;
    for (const r of renewals) {
      if (r.kind === 'ack') {
        const ka = r.ka!;
        const renewedTtl = ka.op.output!.ttl * 1000;
        if (ka.op.invokedAt > endedAt)
          violations.push({
            kind: 'renewed-after-end',
            lease: id,
            index: ka.index,
            message: `lease ${id}: ${describeOperation(ka.op, ka.index)} renewed it after it was ${endName} by ${describeOperation(endedBy!.op, endedBy!.index)}`,
          });
        else if (ka.op.invokedAt > latest)
          violations.push({
            kind: 'renewed-after-expiry',
            lease: id,
            index: ka.index,
            message: `lease ${id} (TTL ${ttlMs / 1000} s): ${describeOperation(ka.op, ka.index)} renewed it after it must have expired, at ${latest} at the latest`,
          });
        // A renewal that should not have happened does not vouch for the lease being alive.
        else earliest = Math.max(earliest, ka.op.invokedAt + renewedTtl - slack);
        latest = Math.max(latest, ka.op.completedAt + renewedTtl + slack);
      } else if (r.at <= latest) {
        const reachedBy = r.kind === 'unknown' ? Math.min(latest, r.at + unknownDelay) : r.at;
        latest = Math.max(latest, reachedBy + ttlMs + slack);
      }
    }

    for (const p of puts)
      if (p.op.status === 'ok' && p.op.invokedAt > endedAt)
        violations.push({
          kind: 'attached-after-end',
          lease: id,
          key: p.op.key,
          index: p.index,
          message: `lease ${id}: ${describeOperation(p.op, p.index)} attached a key after the lease was ${endName} by ${describeOperation(endedBy!.op, endedBy!.index)}`,
        });

    const isOver = endedAt < Infinity || final.invokedAt > latest;
    for (const kv of final.kvs) {
      if (kv.lease !== id || !isOver) continue;
      const revoked = endedAt < Infinity;
      violations.push({
        kind: revoked ? 'key-survived-revoke' : 'key-survived-expiry',
        lease: id,
        key: kv.key,
        message: revoked
          ? `lease ${id}: key ${kv.key} still exists at the end, but the lease was ${endName} by ${describeOperation(endedBy!.op, endedBy!.index)}`
          : `lease ${id} (TTL ${ttlMs / 1000} s): key ${kv.key} still exists at the end (read at ${final.invokedAt}), ` +
            `but the lease must have expired by ${latest}`,
      });
    }

    const maybeRevoked = revokes.some((r) => r.op.status === 'unknown');
    if (endedAt === Infinity && !maybeRevoked && final.completedAt < earliest) checkKept(history, final, id, puts, violations);
  }
  return { ok: violations.length === 0, violations, leasesChecked: grants.size };
}

/** A live lease's keys are there, unless something else legitimately removed them. */
function checkKept(history: readonly Operation[], final: FinalState, id: string, puts: Indexed<PutOp>[], out: LeaseViolation[]): void {
  const present = new Set(final.kvs.map((kv) => kv.key));
  for (const p of puts) {
    if (p.op.status !== 'ok' || p.op.output === undefined || present.has(p.op.key)) continue;
    const r = p.op.output.revision;
    const key = p.op.key;
    const explained = history.some((op) => {
      if (op.kind === 'delete' && op.key === key)
        return op.status === 'unknown' || (op.status === 'ok' && op.output !== undefined && op.output.deleted > 0 && op.output.revision > r);
      if (op.kind === 'put' && op.key === key && op.input.lease !== undefined && op.input.lease !== id)
        return op.status === 'unknown' || (op.status === 'ok' && op.output !== undefined && op.output.revision > r);
      return false;
    });
    if (!explained)
      out.push({
        kind: 'key-vanished',
        lease: id,
        key,
        index: p.index,
        message: `lease ${id} was kept alive to the end, but the key of ${describeOperation(p.op, p.index)} is gone and nothing deleted it`,
      });
  }
}
