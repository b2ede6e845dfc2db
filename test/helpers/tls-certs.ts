// Certificates for TLS tests, made in the test: a CA, and leaf certificates it signs for
// servers (with 127.0.0.1 and localhost as subject alternative names) and clients (whose
// common name is the etcd user under --client-cert-auth, or the Kubernetes user, with the
// organizations as its groups). ECDSA P-256 keys, PEM files; storage/tls/x509-certs.ts makes them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCa, issueCert, type CertAndKey } from '../../storage/tls/x509-certs.js';

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
    private readonly ca: CertAndKey,
    readonly name: string,
  ) {
    this.caFile = join(dir, `${name}-ca.crt`);
    writeFileSync(this.caFile, ca.cert);
  }

  /** Makes a self-signed CA named name, writing its certificate to dir. */
  static async create(dir: string, name = 'test'): Promise<TestCa> {
    return new TestCa(dir, await createCa(`${name} CA`, new Date(Date.now() - DAY_MS), new Date(Date.now() + 30 * DAY_MS)), name);
  }

  /**
   * Signs a leaf certificate with common name cn, usable by servers and clients alike (etcd
   * peers are both), valid for 127.0.0.1 and localhost unless hosts says otherwise. file
   * names the files (default: cn); organizations go in the subject (a Kubernetes user's groups);
   * an empty cn leaves the common name out.
   */
  async issue(cn: string, options: { hosts?: readonly string[]; file?: string; expired?: boolean; organizations?: readonly string[] } = {}): Promise<CertFiles> {
    const now = Date.now();
    const made = await issueCert(this.ca, {
      serialNumber: (this.serial++).toString(16).padStart(2, '0'),
      subject: { ...(cn === '' ? {} : { commonName: cn }), ...(options.organizations === undefined ? {} : { organizations: options.organizations }) },
      usages: ['server', 'client'],
      hosts: options.hosts ?? ['127.0.0.1', 'localhost'],
      notBefore: new Date(options.expired === true ? now - 10 * DAY_MS : now - DAY_MS),
      notAfter: new Date(options.expired === true ? now - 5 * DAY_MS : now + 30 * DAY_MS),
    });
    const base = join(this.dir, options.file ?? cn);
    const files = { cert: `${base}.crt`, key: `${base}.key` };
    writeFileSync(files.cert, made.cert);
    writeFileSync(files.key, made.key, { mode: 0o600 });
    return files;
  }
}
