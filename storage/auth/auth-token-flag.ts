// etcd's --auth-token: "simple", or "jwt,pub-key=FILE,priv-key=FILE,sign-method=RS256,ttl=5m".

import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JwtOptions } from './tokens.js';

/** The signature methods etcd's JWT tokens take with key files. */
const SIGN_METHODS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512']);
/** etcd's default lifetime of a JWT token. */
const DEFAULT_JWT_TTL_MS = 5 * 60 * 1000;

/** Go's duration syntax, as etcd's ttl option takes it ("10m", "1h30m", "300s"). */
function parseDuration(text: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]!]!, 0);
}

function readKey(path: string, what: string, make: (pem: Buffer) => KeyObject): KeyObject {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`open ${path}: ${code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  try {
    return make(pem);
  } catch (err) {
    throw new Error(`--auth-token: cannot read the ${what} in ${path}: ${(err as Error).message}`);
  }
}

/**
 * Parses --auth-token; undefined for simple tokens. Throws an Error whose message says
 * what is wrong (an unknown type or option, a missing or unreadable key file).
 */
export function parseAuthToken(value: string): JwtOptions | undefined {
  const [type = '', ...rest] = value.split(',');
  if (type === 'simple' && rest.length === 0) return undefined;
  if (type !== 'jwt') throw new Error(`--auth-token: unknown token type ${JSON.stringify(type)} (expected simple or jwt)`);
  const opts = new Map<string, string>();
  for (const kv of rest) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new Error(`--auth-token: invalid option ${JSON.stringify(kv)} (expected key=value)`);
    opts.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  for (const k of opts.keys()) {
    if (!['pub-key', 'priv-key', 'sign-method', 'ttl'].includes(k)) throw new Error(`--auth-token: unknown jwt option ${JSON.stringify(k)}`);
  }
  const signMethod = opts.get('sign-method') ?? '';
  if (!SIGN_METHODS.has(signMethod)) throw new Error(`--auth-token: auth: invalid auth signature method ${JSON.stringify(signMethod)}`);
  const privFile = opts.get('priv-key');
  const pubFile = opts.get('pub-key');
  if (privFile === undefined && pubFile === undefined) throw new Error('--auth-token: auth: missing key data');
  const privateKey = privFile === undefined ? undefined : readKey(privFile, 'private key', (pem) => createPrivateKey(pem));
  const publicKey = pubFile !== undefined ? readKey(pubFile, 'public key', (pem) => createPublicKey(pem)) : createPublicKey(privateKey!);
  if (privateKey !== undefined && !createPublicKey(privateKey).equals(publicKey)) throw new Error("--auth-token: auth: public and private keys don't match");
  const ttlText = opts.get('ttl');
  const ttlMs = ttlText === undefined ? DEFAULT_JWT_TTL_MS : parseDuration(ttlText);
  if (ttlMs === undefined || ttlMs <= 0) throw new Error(`--auth-token: invalid ttl ${JSON.stringify(ttlText)}`);
  return { signMethod, publicKey, ...(privateKey === undefined ? {} : { privateKey }), ttlMs };
}
