import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { PeerCertificate } from 'node:tls';
import { canonicalIp, peerSanRefusal } from '../../storage/tls/peer-san.js';
import { TestCa } from '../helpers/tls-certs.js';
import { tempDir } from '../helpers/processes.js';

/** The subjectAltName of a certificate file, in the form a TLS socket's getPeerCertificate() gives it. */
function peerCert(file: string): PeerCertificate {
  return { subjectaltname: new X509Certificate(readFileSync(file)).subjectAltName } as PeerCertificate;
}

const hosts: Record<string, readonly string[]> = { 'peer1.test': ['127.0.0.1'], 'elsewhere.test': ['10.1.1.1'] };
const resolve = async (host: string): Promise<readonly string[]> => {
  const found = hosts[host];
  if (found === undefined) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
  return found;
};

test("peer certificates are checked against the connecting address as etcd 3.4's checkCertSAN does", async () => {
  const dir = tempDir('peer-san');
  try {
    const ca = await TestCa.create(dir.path);
    const check = async (sans: readonly string[], from: string) => peerSanRefusal(peerCert((await ca.issue('peer', { hosts: sans, file: sans.join('_') || 'none' })).cert), from, resolve);
    // No SANs at all: nothing to check.
    assert.equal(await check([], '127.0.0.1'), undefined);
    // IP SANs only: the remote IP must be one of them (IPv4-mapped addresses count as IPv4).
    assert.equal(await check(['127.0.0.1'], '127.0.0.1'), undefined);
    assert.equal(await check(['127.0.0.1'], '::ffff:127.0.0.1'), undefined);
    assert.equal(await check(['10.9.9.9', '10.9.9.8'], '127.0.0.1'), 'x509: certificate is valid for 10.9.9.9, 10.9.9.8, not 127.0.0.1');
    assert.equal(await check(['::1'], '::1'), undefined);
    // DNS SANs: one must resolve to the remote IP; names that do not resolve match nothing.
    assert.equal(await check(['nowhere.test', 'peer1.test'], '127.0.0.1'), undefined);
    assert.equal(await check(['elsewhere.test', 'nowhere.test'], '127.0.0.1'), 'tls: "127.0.0.1" does not match any of DNSNames ["elsewhere.test" "nowhere.test"]');
    // With both kinds, the DNS names decide, as in etcd: a matching IP SAN is not enough ...
    assert.match((await check(['127.0.0.1', 'elsewhere.test'], '127.0.0.1'))!, /does not match any of DNSNames/);
    // ... and a resolving name admits a peer whose IP SANs do not match.
    assert.equal(await check(['10.9.9.9', 'peer1.test'], '127.0.0.1'), undefined);
  } finally {
    dir.remove();
  }
});

test('IP addresses compare in one spelling', () => {
  assert.equal(canonicalIp('::ffff:10.0.0.1'), '10.0.0.1');
  assert.equal(canonicalIp('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(canonicalIp('FE80:0:0:0:0:0:0:1'), 'fe80::1');
  assert.equal(canonicalIp('127.0.0.1'), '127.0.0.1');
});
