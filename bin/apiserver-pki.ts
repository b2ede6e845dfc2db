/**
 * The API server's certificates. On first start Kite makes, in <data-dir>/pki/, a CA
 * (ca.crt, ca.key), a serving certificate it signs (apiserver.crt, .key) for
 * localhost, 127.0.0.1, ::1, the bind address and every --tls-san, and an admin
 * client certificate (admin.crt, .key: CN kite-admin, O system:masters), and the API
 * server's client certificate for kubelets (apiserver-kubelet-client.crt, .key). Later
 * starts reuse them; a serving certificate that no longer covers the wanted names,
 * or is about to expire, is signed anew by the same CA, so kubeconfigs stay valid.
 * --tls-cert-file/--tls-private-key-file and --client-ca-file put the operator's
 * own in their place (then Kite makes no client certificates: it cannot sign them).
 * Keys are written 0600 in a 0700 directory.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { canonicalIp, certFacts, type CertAndKey, type LeafSpec } from '../storage/tls/x509-certs.js';
import { makeCertificatesInWorker } from './pki-worker.js';

const DAY_MS = 24 * 3600 * 1000;
const CA_VALIDITY_MS = 10 * 365 * DAY_MS;
const LEAF_VALIDITY_MS = 365 * DAY_MS;
/** A generated certificate closer than this to its expiry is made anew at start. */
const RENEW_BEFORE_MS = 30 * DAY_MS;

export const adminUser = { name: 'kite-admin', group: 'system:masters' } as const;

/** Who the API server is to kubelets (as kubeadm names it), and the file it is kept in. */
export const kubeletClientUser = { name: 'kube-apiserver-kubelet-client', group: 'system:masters' } as const;
const kubeletClientFile = 'apiserver-kubelet-client';

export interface PkiOptions {
  readonly dataDir: string;
  /** Names the serving certificate must be valid for, beyond localhost, 127.0.0.1 and ::1. */
  readonly hosts: readonly string[];
  readonly tlsCertFile?: string;
  readonly tlsPrivateKeyFile?: string;
  readonly clientCaFile?: string;
}

export interface ApiServerPki {
  /** The serving certificate (with its chain, when the file has one) and key. */
  readonly serving: { readonly cert: Buffer; readonly key: Buffer };
  /** The CAs client certificates are verified against. */
  readonly clientCa: Buffer;
  /** The CA a client verifies the serving certificate with; undefined for the operator's own certificate. */
  readonly servingCa?: string;
  /** The admin's client certificate, when Kite's CA signs client certificates. */
  readonly admin?: CertAndKey;
  /** The API server's client certificate for kubelets (logs, exec, proxies), when Kite's CA signs client certificates. */
  readonly kubeletClient?: CertAndKey;
}

/** A certificate or key file that cannot be used. */
export class PkiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PkiError';
  }
}

function readFlagFile(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new PkiError(`${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

function readPair(dir: string, name: string): CertAndKey | undefined {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  if (!existsSync(cert) || !existsSync(key)) return undefined;
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

function writePair(dir: string, name: string, pair: CertAndKey): void {
  writeFileSync(join(dir, `${name}.key`), pair.key, { mode: 0o600 });
  writeFileSync(join(dir, `${name}.crt`), pair.cert, { mode: 0o644 });
}

/** The names a serving certificate needs: loopback ones, then the given ones (an unspecified address is not a name). */
export function servingHosts(hosts: readonly string[]): string[] {
  const wanted = ['localhost', '127.0.0.1', '::1', ...hosts].filter((h) => h !== '' && h !== '0.0.0.0' && h !== '::');
  return [...new Set(wanted)];
}

const notDue = (notAfter: Date, now: number): boolean => notAfter.getTime() - now >= RENEW_BEFORE_MS;

function stillValid(pair: CertAndKey, now: number): boolean {
  return notDue(certFacts(pair.cert).notAfter, now);
}

/** Whether pair is still valid for every one of hosts (its certificate read once). */
function covers(pair: CertAndKey, hosts: readonly string[], now: number): boolean {
  const facts = certFacts(pair.cert);
  return notDue(facts.notAfter, now) && hosts.every((h) => (isIP(h) !== 0 ? facts.ipAddresses.includes(canonicalIp(h)) : facts.dnsNames.includes(h)));
}

/** Loads, makes or renews the API server's certificates in <dataDir>/pki (see above). */
export async function preparePki(o: PkiOptions): Promise<ApiServerPki> {
  if ((o.tlsCertFile === undefined) !== (o.tlsPrivateKeyFile === undefined)) throw new PkiError('--tls-cert-file and --tls-private-key-file must be given together');
  const dir = join(o.dataDir, 'pki');
  const now = Date.now();
  const ownServing = o.tlsCertFile !== undefined && o.tlsPrivateKeyFile !== undefined;
  const needCa = !ownServing || o.clientCaFile === undefined;
  let ca: CertAndKey | undefined;
  if (needCa) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    ca = readPair(dir, 'ca');
  }
  // What is missing or due is made in one go, on a worker thread (see pki-worker.ts).
  const toMake: Record<string, LeafSpec> = {};
  const leafTimes = { notBefore: new Date(now - 60_000), notAfter: new Date(now + LEAF_VALIDITY_MS) };
  let pair = ownServing ? undefined : readPair(dir, 'apiserver');
  const hosts = servingHosts(o.hosts);
  if (!ownServing && (pair === undefined || !covers(pair, hosts, now))) toMake.apiserver = { subject: { commonName: 'kite-apiserver' }, usages: ['server'], hosts, ...leafTimes };
  let admin = o.clientCaFile === undefined ? readPair(dir, 'admin') : undefined;
  if (o.clientCaFile === undefined && (admin === undefined || !stillValid(admin, now))) {
    toMake.admin = { subject: { commonName: adminUser.name, organizations: [adminUser.group] }, usages: ['client'], ...leafTimes };
  }
  let kubeletClient = o.clientCaFile === undefined ? readPair(dir, kubeletClientFile) : undefined;
  if (o.clientCaFile === undefined && (kubeletClient === undefined || !stillValid(kubeletClient, now))) {
    toMake[kubeletClientFile] = { subject: { commonName: kubeletClientUser.name, organizations: [kubeletClientUser.group] }, usages: ['client'], ...leafTimes };
  }
  if ((needCa && ca === undefined) || Object.keys(toMake).length > 0) {
    const made = await makeCertificatesInWorker({ leaves: toMake, ...(ca === undefined ? { newCa: { commonName: 'kite-ca', notBefore: new Date(now - 60_000), notAfter: new Date(now + CA_VALIDITY_MS) } } : { ca }) });
    if (ca === undefined) writePair(dir, 'ca', made.ca);
    ca = made.ca;
    for (const [name, cert] of Object.entries(made.leaves)) writePair(dir, name, cert);
    pair = made.leaves.apiserver ?? pair;
    admin = made.leaves.admin ?? admin;
    kubeletClient = made.leaves[kubeletClientFile] ?? kubeletClient;
  }
  const serving = ownServing
    ? { cert: readFlagFile('--tls-cert-file', o.tlsCertFile!), key: readFlagFile('--tls-private-key-file', o.tlsPrivateKeyFile!) }
    : { cert: Buffer.from(pair!.cert), key: Buffer.from(pair!.key) };
  try {
    createSecureContext({ cert: serving.cert, key: serving.key });
  } catch (err) {
    const text = (err as Error).message;
    throw new PkiError(/key values mismatch/.test(text) ? 'tls: private key does not match public key' : `tls: failed to load the serving certificate and key: ${text}`);
  }
  let clientCa: Buffer;
  if (o.clientCaFile !== undefined) {
    clientCa = readFlagFile('--client-ca-file', o.clientCaFile);
    try {
      createSecureContext({ ca: clientCa });
    } catch (err) {
      throw new PkiError(`--client-ca-file: ${o.clientCaFile} holds no usable CA certificate: ${(err as Error).message}`);
    }
  } else {
    clientCa = Buffer.from(ca!.cert);
  }
  return { serving, clientCa, ...(ownServing ? {} : { servingCa: ca!.cert }), ...(admin === undefined ? {} : { admin }), ...(kubeletClient === undefined ? {} : { kubeletClient }) };
}
