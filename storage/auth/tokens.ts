// The tokens Authenticate issues, as etcd's --auth-token: "simple" tokens (a random prefix
// and the log index of the Authenticate entry, known to every member that applied it,
// valid until unused for --auth-token-ttl seconds) or "jwt" tokens (signed, carrying the
// user name and the auth revision, valid on any member until they expire).

import { randomInt, type KeyObject } from 'node:crypto';
import { StorageError } from '../errors.js';
import type { Clock } from '../lease/clock.js';
import type { AuthStoreEvents } from './auth-store.js';

/** jose loads with the first JWT made or checked (only members with --auth-token jwt make them). */
let joseLib: Promise<typeof import('jose')> | undefined;
const jose = (): Promise<typeof import('jose')> => (joseLib ??= import('jose'));

/** What a valid token says about its bearer. */
export interface TokenInfo {
  readonly username: string;
  /** The auth revision the token was issued at (JWT); simple tokens carry none. */
  readonly revision?: number;
}

export interface TokenProvider extends AuthStoreEvents {
  /** A fresh random prefix for an Authenticate entry (simple tokens; '' for JWT). */
  newPrefix(): string;
  /** Issues the token of an applied Authenticate entry. */
  assign(username: string, revision: number, index: number, prefix: string): string | Promise<string>;
  /** Who a token names; undefined when it is unknown, expired or forged. */
  info(token: string): TokenInfo | undefined | Promise<TokenInfo | undefined>;
  /** The log index a simple token was issued at (a member must have applied it to know it). */
  indexOf(token: string): number | undefined;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** etcd's simple token prefix length. */
const SIMPLE_PREFIX_LENGTH = 16;

/** etcd's "simple" tokens. */
export class SimpleTokens implements TokenProvider {
  private readonly tokens = new Map<string, { username: string; expiresAt: number }>();
  private isEnabled = false;

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  newPrefix(): string {
    let s = '';
    for (let i = 0; i < SIMPLE_PREFIX_LENGTH; i++) s += LETTERS[randomInt(LETTERS.length)];
    return s;
  }

  assign(username: string, _revision: number, index: number, prefix: string): string {
    const token = `${prefix}.${index}`;
    if (this.isEnabled) {
      this.sweep();
      this.tokens.set(token, { username, expiresAt: this.clock.now() + this.ttlMs });
    }
    return token;
  }

  info(token: string): TokenInfo | undefined {
    const t = this.tokens.get(token);
    if (t === undefined) return undefined;
    const now = this.clock.now();
    if (now >= t.expiresAt) {
      this.tokens.delete(token);
      return undefined;
    }
    t.expiresAt = now + this.ttlMs; // each use keeps the token alive
    return { username: t.username };
  }

  indexOf(token: string): number | undefined {
    const m = /^[A-Za-z]+\.(\d+)$/.exec(token);
    return m === null ? undefined : Number(m[1]);
  }

  enabled(): void {
    this.isEnabled = true;
  }

  disabled(): void {
    this.isEnabled = false;
    this.tokens.clear();
  }

  userInvalidated(name: string): void {
    for (const [token, t] of this.tokens) if (t.username === name) this.tokens.delete(token);
  }

  /** Drops expired tokens (on each issue, so the map stays bounded by the live ones). */
  private sweep(): void {
    const now = this.clock.now();
    for (const [token, t] of this.tokens) if (now >= t.expiresAt) this.tokens.delete(token);
  }
}

/** The signing and verifying keys of JWT tokens, from --auth-token=jwt,... */
export interface JwtOptions {
  readonly signMethod: string;
  readonly publicKey: KeyObject;
  /** Absent: this member verifies tokens but cannot issue them. */
  readonly privateKey?: KeyObject;
  readonly ttlMs: number;
}

/** etcd's "jwt" tokens: claims {exp, revision, username}, signed with --auth-token's key. */
export class JwtTokens implements TokenProvider {
  constructor(private readonly options: JwtOptions) {}

  newPrefix(): string {
    return '';
  }

  async assign(username: string, revision: number): Promise<string> {
    const key = this.options.privateKey;
    // etcd: "auth: token signing attempted with verify-only key".
    if (key === undefined) throw new StorageError('InvalidArgument', { detail: 'auth: token signing attempted with verify-only key' });
    const exp = Math.floor((Date.now() + this.options.ttlMs) / 1000);
    const { SignJWT } = await jose();
    return new SignJWT({ exp, revision, username }).setProtectedHeader({ alg: this.options.signMethod, typ: 'JWT' }).sign(key);
  }

  async info(token: string): Promise<TokenInfo | undefined> {
    const { errors: joseErrors, jwtVerify } = await jose();
    try {
      const { payload } = await jwtVerify(token, this.options.publicKey, { algorithms: [this.options.signMethod] });
      if (typeof payload.username !== 'string' || typeof payload.revision !== 'number') return undefined;
      return { username: payload.username, revision: payload.revision };
    } catch (err) {
      // A forged, malformed or expired token is simply not valid.
      if (err instanceof joseErrors.JOSEError) return undefined;
      throw err;
    }
  }

  indexOf(): undefined {
    return undefined;
  }

  enabled(): void {}

  disabled(): void {}

  userInvalidated(): void {}
}
