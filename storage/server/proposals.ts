// Propose and wait: each proposal this member makes gets a request id and a waiter, answered
// when the member applies the entry carrying that id, failed when Raft drops the proposal,
// when the leader it went to is lost, or after etcd's request timeout.
import { StorageError } from '../errors.js';
import { RaftError, RaftErrorCode } from '../raft/core/errors.js';
import type { MemberStats } from './member-stats.js';
import { IdGenerator } from './member-types.js';

/** A proposal's caller, waiting for the entry to be applied. */
interface Waiter {
  /** The term this member was in when its proposal entered the log. */
  term: number;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

export class Proposals {
  private readonly waiters = new Map<bigint, Waiter>();
  private readonly ids: IdGenerator;

  /** currentTerm: the member's Raft term now; stats: where pending and failed proposals are counted. */
  constructor(
    memberId: bigint,
    private readonly currentTerm: () => number,
    private readonly stats: MemberStats,
    private readonly timeoutMs: number,
  ) {
    this.ids = new IdGenerator(memberId);
  }

  /** A fresh request id for a proposal. */
  nextId(): bigint {
    return this.ids.next();
  }

  /**
   * Registers a waiter for id, runs propose (which puts the entry carrying id into the log),
   * and settles when the entry is applied (answer), on an error propose throws or rejects
   * with, or after the request timeout.
   */
  wait<T>(id: bigint, propose: () => void | Promise<void>): Promise<T> {
    const stats = this.stats;
    stats.proposalsPending++;
    return new Promise<T>((resolve, reject) => {
      let isSettled = false;
      /** Ends the proposal's wait; false if it had already ended. */
      const settle = (): boolean => {
        if (isSettled) return false;
        isSettled = true;
        clearTimeout(timer);
        stats.proposalsPending--;
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        if (!settle()) return;
        stats.proposalsFailed++;
        reject(new StorageError('Timeout'));
      }, this.timeoutMs);
      const waiter: Waiter = {
        term: this.currentTerm(),
        resolve: (v) => {
          if (settle()) resolve(v as T);
        },
        reject: (err) => {
          if (settle()) reject(err);
        },
      };
      this.waiters.set(id, waiter);
      // The command enters the log when its turn's batch does: in the term of that moment.
      const entered = () => {
        waiter.term = this.currentTerm();
      };
      const dropped = (err: unknown) => {
        if (!this.waiters.delete(id)) return;
        stats.proposalsFailed++;
        waiter.reject(toStorageError(err));
      };
      try {
        void propose()?.then(entered, dropped);
      } catch (err) {
        dropped(err);
      }
    });
  }

  /** The waiter of an applied entry's request id, taken off the list (undefined: another member's, or given up). */
  take(id: bigint): Waiter | undefined {
    const waiter = this.waiters.get(id);
    this.waiters.delete(id);
    return waiter;
  }

  /**
   * A new leader's first entry (empty, at its term) is applied: every entry of earlier
   * terms that will ever commit precedes it, so a proposal this member made in an
   * earlier term that is still unanswered was lost with the old leader. Its caller is
   * told now rather than after the request timeout (etcd's "possibly due to previous
   * leader failure": the outcome is unknown to the client, as with any timeout).
   */
  failLost(term: number): void {
    for (const [id, w] of this.waiters) {
      if (w.term >= term) continue;
      this.waiters.delete(id);
      this.stats.proposalsFailed++;
      w.reject(new StorageError('LeaderFailed'));
    }
  }

  /** The member stops: the entries may yet commit on the other members, so the outcome is unknown. */
  abandonAll(): void {
    for (const w of this.waiters.values()) w.reject(new StorageError('Unavailable'));
    this.waiters.clear();
  }

  /** Settles as promise does, or fails with etcd's request timeout once that has passed. */
  async withinTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StorageError('Timeout')), this.timeoutMs);
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Raft's refusals of a proposal or a read, in the store's error vocabulary. */
export function toStorageError(err: unknown): unknown {
  if (err instanceof RaftError) {
    if (err.code === RaftErrorCode.ProposalDropped || err.code === RaftErrorCode.ReadIndexDropped) return new StorageError('NoLeader');
    if (err.code === RaftErrorCode.ConfChangeRejected) return new StorageError('ConfChangeRejected');
  }
  return err;
}
