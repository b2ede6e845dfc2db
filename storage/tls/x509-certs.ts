// Making X.509 certificates with @peculiar/x509: CAs, and leaf certificates a CA signs
// (or that sign themselves) for servers, clients or both. ECDSA P-256 keys, PEM text. The
// store's --auto-tls, the API server's generated PKI and the tests' certificates share it.
// @peculiar/x509 (and the reflect-metadata it needs) load on first use only; reading a
// certificate's names and expiry (certFacts) uses node's own parser and loads neither.

import { webcrypto, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

type X509 = typeof import('@peculiar/x509');

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const IMPORT_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;

let loaded: Promise<X509> | undefined;

/** @peculiar/x509, set up with Node's WebCrypto. */
function x509(): Promise<X509> {
  loaded ??= (async () => {
    await import('reflect-metadata');
    const lib = await import('@peculiar/x509');
    lib.cryptoProvider.set(webcrypto as unknown as Parameters<typeof lib.cryptoProvider.set>[0]);
    return lib;
  })();
  return loaded;
}

/** A certificate and its private key (PKCS #8), both PEM. */
export interface CertAndKey {
  readonly cert: string;
  readonly key: string;
}

/** Who a certificate names: the subject's common name and organizations (Kubernetes reads them as user and groups). */
export interface CertSubject {
  readonly commonName?: string;
  readonly organizations?: readonly string[];
}

/** What a leaf certificate is for: serverAuth, clientAuth, or both. */
export type CertUsage = 'server' | 'client';

/** A leaf certificate to make. */
export interface LeafSpec {
  readonly subject: CertSubject;
  readonly usages: readonly CertUsage[];
  /** DNS names and IP addresses for the subject alternative name extension. */
  readonly hosts?: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Hex serial number; random when absent. */
  readonly serialNumber?: string;
}

function randomSerial(): string {
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
  serial[0] = serial[0]! & 0x7f; // a positive serial number
  return serial.toString('hex');
}

function nameOf(s: CertSubject): Array<Record<string, string[]>> {
  return [...(s.organizations ?? []).map((o) => ({ O: [o] })), ...(s.commonName === undefined ? [] : [{ CN: [s.commonName] }])];
}

function generalNames(hosts: readonly string[]): Array<{ type: 'ip' | 'dns'; value: string }> {
  return [...new Set(hosts)].map((h) => (isIP(h) !== 0 ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }));
}

async function keyPem(lib: X509, keys: webcrypto.CryptoKeyPair): Promise<string> {
  return lib.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
}

async function leafExtensions(lib: X509, spec: LeafSpec): Promise<InstanceType<X509['Extension']>[]> {
  const usages = spec.usages.map((u) => (u === 'server' ? lib.ExtendedKeyUsage.serverAuth : lib.ExtendedKeyUsage.clientAuth));
  const names = generalNames(spec.hosts ?? []);
  return [
    new lib.BasicConstraintsExtension(false, undefined, true),
    new lib.KeyUsagesExtension(lib.KeyUsageFlags.digitalSignature | lib.KeyUsageFlags.keyEncipherment, true),
    new lib.ExtendedKeyUsageExtension(usages),
    ...(names.length > 0 ? [new lib.SubjectAlternativeNameExtension(names)] : []),
  ];
}

/** A self-signed CA certificate named commonName, with a fresh key. */
export async function createCa(commonName: string, notBefore: Date, notAfter: Date): Promise<CertAndKey> {
  const lib = await x509();
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await lib.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: nameOf({ commonName }),
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new lib.BasicConstraintsExtension(true, undefined, true),
      new lib.KeyUsagesExtension(lib.KeyUsageFlags.keyCertSign | lib.KeyUsageFlags.cRLSign | lib.KeyUsageFlags.digitalSignature, true),
      await lib.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await keyPem(lib, keys) };
}

/** A leaf certificate for spec, signed by ca (a CA made by createCa, or any ECDSA P-256 CA). */
export async function issueCert(ca: CertAndKey, spec: LeafSpec): Promise<CertAndKey> {
  const lib = await x509();
  const caCert = new lib.X509Certificate(ca.cert);
  const signingKey = await webcrypto.subtle.importKey('pkcs8', lib.PemConverter.decode(ca.key)[0]!, IMPORT_ALGORITHM, false, ['sign']);
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await lib.X509CertificateGenerator.create({
    serialNumber: spec.serialNumber ?? randomSerial(),
    subject: nameOf(spec.subject),
    issuer: caCert.subject,
    notBefore: spec.notBefore,
    notAfter: spec.notAfter,
    publicKey: keys.publicKey,
    signingKey,
    signingAlgorithm: ALGORITHM,
    extensions: [...(await leafExtensions(lib, spec)), await lib.AuthorityKeyIdentifierExtension.create(caCert)],
  });
  return { cert: cert.toString('pem'), key: await keyPem(lib, keys) };
}

/** A self-signed leaf certificate for spec (etcd's --auto-tls kind). */
export async function selfSignedLeaf(spec: LeafSpec): Promise<CertAndKey> {
  const lib = await x509();
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await lib.X509CertificateGenerator.createSelfSigned({
    serialNumber: spec.serialNumber ?? randomSerial(),
    name: nameOf(spec.subject),
    notBefore: spec.notBefore,
    notAfter: spec.notAfter,
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: await leafExtensions(lib, spec),
  });
  return { cert: cert.toString('pem'), key: await keyPem(lib, keys) };
}

/** What a certificate says of itself: the hosts it is valid for and when it expires. */
export interface CertFacts {
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly notAfter: Date;
}

/** An IP address in one spelling (IPv6 compressed: 0:0:0:0:0:0:0:1 is ::1). */
export function canonicalIp(ip: string): string {
  return isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip;
}

/**
 * Reads the subject alternative names and expiry of the first certificate in pem, with
 * node's own X.509 parser (so a restart that reuses its certificates loads no library).
 * Node writes the names as "DNS:a, IP Address:b"; a name with a comma or quote in it comes
 * quoted and is left out here (it matches no host Kite would ask for).
 */
export function certFacts(pem: string): CertFacts {
  const cert = new X509Certificate(pem);
  const names = (cert.subjectAltName ?? '').split(', ');
  const valued = (prefix: string): string[] => names.filter((n) => n.startsWith(prefix) && !n.includes('"')).map((n) => n.slice(prefix.length));
  const notAfter = new Date(cert.validTo);
  return { dnsNames: valued('DNS:'), ipAddresses: valued('IP Address:').map(canonicalIp), notAfter: Number.isNaN(notAfter.getTime()) ? new Date(0) : notAfter };
}
