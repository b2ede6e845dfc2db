// Certificates for TLS tests, made in the test: a CA, and leaf certificates it signs for
// servers (with 127.0.0.1 and localhost as subject alternative names) and clients (whose
// common name is the etcd user under --client-cert-auth). ECDSA P-256 keys, PEM files.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 3600 * 1000;

/** A certificate and its key, as PEM files on disk. */
export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

/** A CA that signs leaf certificates into a directory. */
export class TestCa {
  /** The CA certificate's PEM file. */
  readonly caFile: string;
  private serial = 2;

  private constructor(
    private readonly dir: string,
    private readonly cert: x509.X509Certificate,
    private readonly keys: webcrypto.CryptoKeyPair,
    readonly name: string,
  ) {
    this.caFile = join(dir, `${name}-ca.crt`);
    writeFileSync(this.caFile, cert.toString('pem'));
  }

  /** Makes a self-signed CA named name, writing its certificate to dir. */
  static async create(dir: string, name = 'test'): Promise<TestCa> {
    const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: `CN=${name} CA`,
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + 30 * DAY_MS),
      keys,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new TestCa(dir, cert, keys, name);
  }

  /**
   * Signs a leaf certificate with common name cn, usable by servers and clients alike (etcd
   * peers are both), valid for 127.0.0.1 and localhost unless hosts says otherwise. file
   * names the files (default: cn).
   */
  async issue(cn: string, options: { hosts?: readonly string[]; file?: string; expired?: boolean } = {}): Promise<CertFiles> {
    const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
    const hosts = options.hosts ?? ['127.0.0.1', 'localhost'];
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: (this.serial++).toString(16).padStart(2, '0'),
      subject: `CN=${cn}`,
      issuer: this.cert.subject,
      notBefore: new Date(options.expired === true ? now - 10 * DAY_MS : now - DAY_MS),
      notAfter: new Date(options.expired === true ? now - 5 * DAY_MS : now + 30 * DAY_MS),
      publicKey: keys.publicKey,
      signingKey: this.keys.privateKey,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension(hosts.map((h) => (/^[\d.]+$|:/.test(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }))),
        await x509.AuthorityKeyIdentifierExtension.create(this.cert),
      ],
    });
    const base = join(this.dir, options.file ?? cn);
    const files = { cert: `${base}.crt`, key: `${base}.key` };
    writeFileSync(files.cert, cert.toString('pem'));
    const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    writeFileSync(files.key, x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), { mode: 0o600 });
    return files;
  }
}
