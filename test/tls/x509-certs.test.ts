import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { canonicalIp, certFacts, createCa, issueCert } from '../../storage/tls/x509-certs.js';
import { repoRoot } from '../helpers/processes.js';

test('certFacts reads the names and expiry with node: IPv6 in its short form, DNS names as written', async () => {
  const notAfter = new Date(Date.UTC(2031, 0, 2, 3, 4, 5));
  const ca = await createCa('test-ca', new Date(Date.now() - 60_000), notAfter);
  const leaf = await issueCert(ca, { subject: { commonName: 'x' }, usages: ['server'], hosts: ['localhost', 'kite.example', '127.0.0.1', '::1', 'fd00:0:0::7'], notBefore: new Date(Date.now() - 60_000), notAfter });
  const facts = certFacts(leaf.cert);
  assert.deepEqual(facts.dnsNames, ['localhost', 'kite.example']);
  assert.deepEqual(facts.ipAddresses, ['127.0.0.1', '::1', 'fd00::7']);
  assert.equal(facts.notAfter.toISOString(), notAfter.toISOString());
  assert.deepEqual(certFacts(ca.cert).dnsNames, []);
});

test('canonicalIp writes IPv6 one way and leaves IPv4 and names alone', () => {
  assert.equal(canonicalIp('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(canonicalIp('FD00:0::7'), 'fd00::7');
  assert.equal(canonicalIp('10.0.0.1'), '10.0.0.1');
  assert.equal(canonicalIp('localhost'), 'localhost');
});

test('a worker thread makes a CA and the leaves it signs; the parent gets them as PEM', async () => {
  // The built module: a worker thread starts without the test's TypeScript loader.
  const { makeCertificatesInWorker } = (await import(pathToFileURL(join(repoRoot, 'dist/bin/pki-worker.js')).href)) as typeof import('../../bin/pki-worker.js');
  const now = Date.now();
  const times = { notBefore: new Date(now - 60_000), notAfter: new Date(now + 3_600_000) };
  const made = await makeCertificatesInWorker({
    newCa: { commonName: 'worker-ca', ...times },
    leaves: { server: { subject: { commonName: 'srv' }, usages: ['server'], hosts: ['127.0.0.1'], ...times }, client: { subject: { commonName: 'u', organizations: ['g'] }, usages: ['client'], ...times } },
  });
  const ca = new X509Certificate(made.ca.cert);
  assert.match(ca.subject, /CN=worker-ca/);
  for (const name of ['server', 'client']) {
    const leaf = new X509Certificate(made.leaves[name]!.cert);
    assert.equal(leaf.verify(ca.publicKey), true, `${name} is signed by the CA`);
  }
  assert.deepEqual(certFacts(made.leaves.server!.cert).ipAddresses, ['127.0.0.1']);
  // A given CA signs; no new one is made.
  const again = await makeCertificatesInWorker({ ca: made.ca, leaves: { other: { subject: { commonName: 'o' }, usages: ['client'], ...times } } });
  assert.equal(again.ca.cert, made.ca.cert);
  assert.equal(new X509Certificate(again.leaves.other!.cert).verify(ca.publicKey), true);
  await assert.rejects(makeCertificatesInWorker({ leaves: {} }), /needs a CA or a new CA/);
});
