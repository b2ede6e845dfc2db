/**
 * The ServiceAccount token keys of `kite apiserver`. kube-apiserver's flags:
 * --service-account-signing-key-file (the private key new tokens are signed with),
 * --service-account-key-file (public keys, private keys or certificates tokens are
 * verified with; repeatable), --service-account-issuer (repeatable: the first is
 * written into new tokens, all are accepted) and --api-audiences (default: the
 * issuers). Without a signing key file Kite makes one on first start, as it makes its
 * CA: <data-dir>/pki/sa.key (RSA 2048, PKCS#8, 0600) and sa.pub, reused on later
 * starts. Without key files, tokens are verified with the signing key's public half.
 * The default issuer is https://kubernetes.default.svc.cluster.local (kubeadm's).
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSigningKey, parseVerificationKeys, ServiceAccountKeyError, type SigningKey, type VerificationKey } from '../registry/serviceaccount/token-keys.js';

export const defaultServiceAccountIssuer = 'https://kubernetes.default.svc.cluster.local';

export interface ServiceAccountKeyOptions {
  readonly dataDir: string;
  readonly signingKeyFile?: string;
  readonly keyFiles?: readonly string[];
  readonly issuers?: readonly string[];
  readonly apiAudiences?: readonly string[];
}

export interface ServiceAccountKeys {
  readonly signingKey: SigningKey;
  readonly verificationKeys: readonly VerificationKey[];
  readonly issuers: readonly string[];
  readonly apiAudiences: readonly string[];
}

function readFlagFile(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ServiceAccountKeyError(`${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Loads (or on first start makes) the keys, and settles issuers and audiences. */
export function prepareServiceAccountKeys(o: ServiceAccountKeyOptions): ServiceAccountKeys {
  let signingKey: SigningKey;
  if (o.signingKeyFile !== undefined) {
    signingKey = parseSigningKey(readFlagFile('--service-account-signing-key-file', o.signingKeyFile), o.signingKeyFile);
  } else {
    const dir = join(o.dataDir, 'pki');
    const keyFile = join(dir, 'sa.key');
    if (!existsSync(keyFile)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      writeFileSync(keyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      writeFileSync(join(dir, 'sa.pub'), pair.publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
    }
    signingKey = parseSigningKey(readFileSync(keyFile, 'utf8'), keyFile);
  }
  const keyFiles = o.keyFiles ?? [];
  const verificationKeys = keyFiles.length === 0 ? [signingKey] : keyFiles.flatMap((f) => parseVerificationKeys(readFlagFile('--service-account-key-file', f), f));
  const issuers = o.issuers !== undefined && o.issuers.length > 0 ? [...o.issuers] : [defaultServiceAccountIssuer];
  for (const issuer of issuers) {
    if (issuer.includes(':') && !/^[a-z][a-z0-9+.-]*:\/\//i.test(issuer)) throw new ServiceAccountKeyError(`--service-account-issuer: ${JSON.stringify(issuer)} contains a ':' but is not a URL`);
  }
  const apiAudiences = o.apiAudiences !== undefined && o.apiAudiences.length > 0 ? [...o.apiAudiences] : issuers;
  return { signingKey, verificationKeys, issuers, apiAudiences };
}
