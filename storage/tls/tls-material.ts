// The certificates, keys and CA bundles of one side of a member, read and checked once at
// start-up, and the node:tls options built from them for its listeners and for the
// connections it makes (a member dials its peers with its peer certificate).

import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions, type TlsOptions, type ConnectionOptions } from 'node:tls';
import type { TlsProtocol, TlsSettings } from './tls-settings.js';

/** Loaded TLS material of one side. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Trusted CA bundle; undefined: the system's roots. */
  readonly ca?: Buffer;
  readonly crl?: Buffer;
  /** Refuse connections without a valid certificate. */
  readonly clientCertAuth: boolean;
  /** Peers only: the CN a connecting certificate must have ('' for any). */
  readonly allowedCn: string;
  /** The host name a connecting certificate must be valid for ('' for any). */
  readonly allowedHostname: string;
  /** A generated certificate (--auto-tls): its users cannot verify it. */
  readonly selfSigned: boolean;
  readonly protocol: TlsProtocol;
}

/** A TLS file that cannot be used; its message is what etcd says. */
export class TlsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsConfigError';
  }
}

function readTlsFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new TlsConfigError(`open ${path}: ${why}`);
  }
}

/**
 * Reads the files settings name and checks that they make a usable context (a certificate
 * and its own key, parseable CA and CRL files). Throws TlsConfigError.
 */
export function readTlsMaterial(settings: TlsSettings, protocol: TlsProtocol): TlsMaterial {
  const cert = readTlsFile(settings.certFile);
  const key = readTlsFile(settings.keyFile);
  const ca = settings.trustedCaFile !== '' ? readTlsFile(settings.trustedCaFile) : undefined;
  const crl = settings.crlFile !== '' ? readTlsFile(settings.crlFile) : undefined;
  const material: TlsMaterial = {
    cert,
    key,
    ...(ca === undefined ? {} : { ca }),
    ...(crl === undefined ? {} : { crl }),
    clientCertAuth: settings.clientCertAuth,
    allowedCn: settings.allowedCn,
    allowedHostname: settings.allowedHostname,
    selfSigned: false,
    protocol,
  };
  checkMaterial(material, settings);
  return material;
}

/** Builds a context once, so that a bad file fails at start-up with a clear message. */
export function checkMaterial(m: TlsMaterial, files: Pick<TlsSettings, 'certFile' | 'keyFile' | 'trustedCaFile' | 'crlFile'>): void {
  try {
    createSecureContext({ cert: m.cert, key: m.key });
  } catch (err) {
    const text = (err as Error).message;
    if (/key values mismatch/.test(text)) throw new TlsConfigError('tls: private key does not match public key');
    throw new TlsConfigError(`tls: failed to load the certificate ${files.certFile} and key ${files.keyFile}: ${text}`);
  }
  if (m.ca !== undefined) {
    try {
      createSecureContext({ ca: m.ca });
    } catch (err) {
      throw new TlsConfigError(`failed to read the trusted CA file ${files.trustedCaFile}: ${(err as Error).message}`);
    }
  }
  if (m.crl !== undefined) {
    try {
      createSecureContext({ crl: m.crl });
    } catch (err) {
      throw new TlsConfigError(`failed to read the CRL file ${files.crlFile}: ${(err as Error).message}`);
    }
  }
  if (m.protocol.ciphers.length > 0) {
    try {
      createSecureContext({ ciphers: m.protocol.ciphers.join(':') });
    } catch {
      throw new TlsConfigError(`none of the TLS cipher suites in --cipher-suites is available (${m.protocol.ciphers.join(', ')})`);
    }
  }
}

function common(m: TlsMaterial): SecureContextOptions {
  return {
    cert: m.cert,
    key: m.key,
    ...(m.ca === undefined ? {} : { ca: m.ca }),
    ...(m.crl === undefined ? {} : { crl: m.crl }),
    ...(m.protocol.ciphers.length > 0 ? { ciphers: m.protocol.ciphers.join(':') } : {}),
    minVersion: m.protocol.minVersion,
  };
}

/**
 * Options of a TLS listener: it asks for a client certificate and refuses the handshake
 * without a valid one when clientCertAuth is on; alpn lists the protocols it speaks.
 */
export function serverTlsOptions(m: TlsMaterial, alpn: readonly string[]): TlsOptions {
  return {
    ...common(m),
    requestCert: m.clientCertAuth,
    rejectUnauthorized: m.clientCertAuth,
    ALPNProtocols: [...alpn],
  };
}

/**
 * Options of a connection this member makes with m (to a peer): its certificate as the
 * client certificate, the trusted CA to verify the server. A self-signed (auto-TLS)
 * member skips verification, as etcd's peers do with --peer-auto-tls.
 */
export function clientTlsOptions(m: TlsMaterial): ConnectionOptions {
  return { ...common(m), rejectUnauthorized: !m.selfSigned };
}
