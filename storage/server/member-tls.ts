// A member's TLS material: the client side's and the peer side's, read from the files the
// flags name before anything is written, then generated into the data dir for --auto-tls
// and --peer-auto-tls (as etcd: only when no certificate and key are given).

import { join } from 'node:path';
import type { MemberConfig } from './member-config.js';
import { selfSignedCert } from '../tls/self-signed.js';
import { checkMaterial, readTlsMaterial, type TlsMaterial } from '../tls/tls-material.js';
import { NO_TLS, type TlsProtocol, type TlsSettings } from '../tls/tls-settings.js';

/** TLS material of a member's two sides; undefined: that side has none. */
export interface MemberTls {
  readonly client?: TlsMaterial;
  readonly peer?: TlsMaterial;
}

const DEFAULT_PROTOCOL: TlsProtocol = { ciphers: [], minVersion: 'TLSv1.2' };

function given(s: TlsSettings): boolean {
  return s.certFile !== '' && s.keyFile !== '';
}

/** Reads and checks the certificate files the flags name. Throws TlsConfigError. */
export function readMemberTls(config: MemberConfig): MemberTls {
  const protocol = config.tlsProtocol ?? DEFAULT_PROTOCOL;
  const client = config.clientTls ?? NO_TLS;
  const peer = config.peerTls ?? NO_TLS;
  return {
    ...(given(client) ? { client: readTlsMaterial(client, protocol) } : {}),
    ...(given(peer) ? { peer: readTlsMaterial(peer, protocol) } : {}),
  };
}

/** The hosts of a side's listen URLs, for a generated certificate. */
function hostsOf(urls: readonly string[]): string[] {
  return urls.map((u) => new URL(u).hostname.replace(/^\[(.*)\]$/, '$1'));
}

async function generated(dir: string, settings: TlsSettings, urls: readonly string[], protocol: TlsProtocol): Promise<TlsMaterial> {
  const { cert, key, certFile, keyFile } = await selfSignedCert(dir, hostsOf(urls));
  const material: TlsMaterial = { cert, key, clientCertAuth: false, allowedCn: settings.allowedCn, allowedHostname: settings.allowedHostname, selfSigned: true, protocol };
  checkMaterial(material, { certFile, keyFile, trustedCaFile: '', crlFile: '' });
  return material;
}

/** Adds the generated certificates of --auto-tls and --peer-auto-tls (in <data-dir>/fixtures/). */
export async function withAutoTls(config: MemberConfig, tls: MemberTls): Promise<MemberTls> {
  const protocol = config.tlsProtocol ?? DEFAULT_PROTOCOL;
  const client = config.clientTls ?? NO_TLS;
  const peer = config.peerTls ?? NO_TLS;
  const fixtures = join(config.dataDir, 'fixtures');
  return {
    client: tls.client ?? (client.autoTls ? await generated(join(fixtures, 'client'), client, config.listenClientUrls, protocol) : undefined),
    peer: tls.peer ?? (peer.autoTls ? await generated(join(fixtures, 'peer'), peer, config.listenPeerUrls, protocol) : undefined),
  };
}
