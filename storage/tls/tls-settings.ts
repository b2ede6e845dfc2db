// etcd's TLS settings for one side of a member (clients, or peers), as its flags give them,
// and the checks etcd makes on them at start-up.

/** One side's TLS flags (etcd's TLSInfo): --cert-file, --key-file, ... or their --peer-* twins. */
export interface TlsSettings {
  readonly certFile: string;
  readonly keyFile: string;
  readonly trustedCaFile: string;
  /** Refuse connections without a certificate signed by the trusted CA. */
  readonly clientCertAuth: boolean;
  readonly crlFile: string;
  /** Generate a self-signed certificate in the data dir when no cert and key are given. */
  readonly autoTls: boolean;
  /** Peers only: the CN a peer's certificate must have (--peer-cert-allowed-cn). */
  readonly allowedCn: string;
  /** The host name a connecting certificate must be valid for (--*-cert-allowed-hostname). */
  readonly allowedHostname: string;
}

/** No TLS on this side. */
export const NO_TLS: TlsSettings = {
  certFile: '',
  keyFile: '',
  trustedCaFile: '',
  clientCertAuth: false,
  crlFile: '',
  autoTls: false,
  allowedCn: '',
  allowedHostname: '',
};

/** Whether a side has a certificate to serve https with (given, or generated). */
export function hasTls(s: TlsSettings): boolean {
  return (s.certFile !== '' && s.keyFile !== '') || s.autoTls;
}

/** The protocol settings both sides share: --cipher-suites and --tls-min-version. */
export interface TlsProtocol {
  /** OpenSSL names of the TLS 1.2 cipher suites allowed; empty: Node's defaults. */
  readonly ciphers: readonly string[];
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
}

/**
 * Go's names of the TLS 1.2 cipher suites etcd accepts in --cipher-suites, and OpenSSL's
 * name of each. (TLS 1.3 suites are not configurable, in Go as in etcd.) RC4 suites are
 * accepted by name, as etcd does, but OpenSSL 3 no longer implements them.
 */
export const CIPHER_SUITES: Readonly<Record<string, string>> = {
  TLS_RSA_WITH_RC4_128_SHA: 'RC4-SHA',
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: 'DES-CBC3-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_RC4_128_SHA: 'ECDHE-ECDSA-RC4-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_RC4_128_SHA: 'ECDHE-RSA-RC4-SHA',
  TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: 'ECDHE-RSA-DES-CBC3-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
};

/**
 * Parses --cipher-suites and --tls-min-version; returns the error text etcd gives for a
 * bad value instead of throwing, so the caller words it as its own configuration error.
 */
export function parseTlsProtocol(cipherSuites: string, minVersion: string): TlsProtocol | { readonly error: string } {
  const ciphers: string[] = [];
  for (const name of cipherSuites.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const openssl = CIPHER_SUITES[name];
    if (openssl === undefined) return { error: `unexpected TLS cipher suite ${JSON.stringify(name)}` };
    ciphers.push(openssl);
  }
  // --tls-min-version comes from etcd 3.5 (3.4 always allows TLS 1.2 and up).
  const versions: Record<string, TlsProtocol['minVersion']> = { '': 'TLSv1.2', 'TLS1.2': 'TLSv1.2', 'TLS1.3': 'TLSv1.3' };
  const min = versions[minVersion];
  if (min === undefined) return { error: `unexpected TLS version ${JSON.stringify(minVersion)} (must be one of: TLS1.2, TLS1.3)` };
  if (min === 'TLSv1.3' && ciphers.length > 0) return { error: 'cipher suites cannot be configured when only TLS1.3 is enabled' };
  return { ciphers, minVersion: min };
}
