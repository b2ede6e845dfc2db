import { StorageError } from '../errors.js';
import type { Clock } from './clock.js';

/** etcd's largest lease TTL, in seconds. */
export const MAX_LEASE_TTL = 9_000_000_000;

/** One granted lease. */
export interface Lease {
  readonly id: bigint;
  /** TTL in seconds as granted (after raising to the minimum). */
  readonly ttl: number;
  /** Clock time (ms) at which the lease expires unless renewed. */
  expiresAt: number;
  /** Keys attached, as latin1 strings. */
  readonly keys: Set<string>;
}

/** A lease's state as LeaseTimeToLive reports it. */
export interface LeaseTimeToLive {
  readonly id: bigint;
  /** Seconds left, rounded up; -1 when the lease does not exist. */
  readonly ttl: number;
  readonly grantedTtl: number;
  readonly keys: Buffer[];
}

/**
 * etcd's lessor: leases with TTLs, the keys attached to each, and which have
 * expired. It holds no data of its own on disk; the store persists grants and
 * revocations and rebuilds the lessor on start. Every lease gets its full TTL
 * again when the lessor starts serving, as etcd's leader does on promotion.
 */
export class Lessor {
  private readonly clock: Clock;
  /** The smallest TTL granted; shorter requests are raised to it. */
  readonly minTtl: number;
  private readonly leases = new Map<bigint, Lease>();
  private readonly keyLease = new Map<string, bigint>();

  constructor(clock: Clock, minTtl: number) {
    this.clock = clock;
    this.minTtl = minTtl;
  }

  has(id: bigint): boolean {
    return this.leases.has(id);
  }

  get(id: bigint): Lease | undefined {
    return this.leases.get(id);
  }

  /** Checks a grant request; returns the TTL the lease will get. */
  checkGrant(id: bigint, ttl: number): number {
    if (ttl > MAX_LEASE_TTL) throw new StorageError('LeaseTtlTooLarge', { lease: id });
    if (id !== 0n && this.leases.has(id)) throw new StorageError('LeaseExists', { lease: id });
    return Math.max(ttl, this.minTtl);
  }

  /** Adds a lease (already checked and persisted by the caller). */
  grant(id: bigint, ttl: number): Lease {
    const lease: Lease = { id, ttl, expiresAt: this.clock.now() + ttl * 1000, keys: new Set() };
    this.leases.set(id, lease);
    return lease;
  }

  /** Removes a lease; returns the keys that were attached (the caller deletes them). */
  revoke(id: bigint): string[] {
    const lease = this.leases.get(id);
    if (lease === undefined) throw new StorageError('LeaseNotFound', { lease: id });
    this.leases.delete(id);
    for (const k of lease.keys) this.keyLease.delete(k);
    return [...lease.keys].sort();
  }

  /** Renews a lease to its full TTL; returns the TTL. */
  renew(id: bigint): number {
    const lease = this.leases.get(id);
    if (lease === undefined || lease.expiresAt <= this.clock.now()) throw new StorageError('LeaseNotFound', { lease: id });
    lease.expiresAt = this.clock.now() + lease.ttl * 1000;
    return lease.ttl;
  }

  timeToLive(id: bigint, withKeys: boolean): LeaseTimeToLive {
    const lease = this.leases.get(id);
    if (lease === undefined) return { id, ttl: -1, grantedTtl: 0, keys: [] };
    const left = Math.max(0, Math.floor((lease.expiresAt - this.clock.now()) / 1000));
    return { id, ttl: left, grantedTtl: lease.ttl, keys: withKeys ? [...lease.keys].sort().map((k) => Buffer.from(k, 'latin1')) : [] };
  }

  ids(): bigint[] {
    return [...this.leases.keys()];
  }

  /** Leases whose time is up, soonest first. */
  expired(): bigint[] {
    const now = this.clock.now();
    return [...this.leases.values()].filter((l) => l.expiresAt <= now).sort((a, b) => a.expiresAt - b.expiresAt).map((l) => l.id);
  }

  /** Gives every lease its full TTL from now (on start, as etcd's promote). */
  refreshAll(): void {
    const now = this.clock.now();
    for (const l of this.leases.values()) l.expiresAt = now + l.ttl * 1000;
  }

  /** Records that key now has lease (0n: none), detaching it from its previous lease. */
  attach(key: string, lease: bigint): void {
    const prev = this.keyLease.get(key);
    if (prev === lease) return;
    if (prev !== undefined) {
      this.leases.get(prev)?.keys.delete(key);
      this.keyLease.delete(key);
    }
    if (lease !== 0n) {
      const l = this.leases.get(lease);
      if (l !== undefined) {
        l.keys.add(key);
        this.keyLease.set(key, lease);
      }
    }
  }

  /** Records that key was deleted. */
  detach(key: string): void {
    this.attach(key, 0n);
  }
}
