// --auto-tls and --peer-auto-tls: a self-signed certificate for the member's listen hosts,
// generated into <data-dir>/fixtures/{client,peer}/ (cert.pem, key.pem) as etcd does, and
// reused when it is already there. ECDSA P-256, subject O=etcd, valid for a year.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { selfSignedLeaf } from './x509-certs.js';

const VALIDITY_MS = 365 * 24 * 3600 * 1000;

/** The certificate and key in dir, generated for hosts if absent. */
export async function selfSignedCert(dir: string, hosts: readonly string[]): Promise<{ cert: Buffer; key: Buffer; certFile: string; keyFile: string }> {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  if (existsSync(certFile) && existsSync(keyFile)) return { cert: readFileSync(certFile), key: readFileSync(keyFile), certFile, keyFile };
  const now = Date.now();
  const made = await selfSignedLeaf({ subject: { organizations: ['etcd'] }, usages: ['server', 'client'], hosts, notBefore: new Date(now), notAfter: new Date(now + VALIDITY_MS) });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyFile, made.key, { mode: 0o600 });
  writeFileSync(certFile, made.cert);
  return { cert: Buffer.from(made.cert), key: Buffer.from(made.key), certFile, keyFile };
}
