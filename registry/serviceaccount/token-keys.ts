/**
 * The keys ServiceAccount tokens are signed and verified with
 * (--service-account-signing-key-file, --service-account-key-file): PEM text in,
 * Node KeyObjects out, each with the algorithm and the key id kube-apiserver
 * gives it (the unpadded base64url SHA-256 of the public key's DER SubjectPublicKeyInfo).
 */
import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';

/** A key that cannot be used for ServiceAccount tokens; the message says which and why. */
export class ServiceAccountKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceAccountKeyError';
  }
}

/** JWS algorithms kube-apiserver signs with, by key type. */
export type TokenAlgorithm = 'RS256' | 'ES256' | 'ES384' | 'ES512';

/** A public key tokens are verified with. */
export interface VerificationKey {
  readonly key: KeyObject;
  readonly alg: TokenAlgorithm;
  /** The key id (`kid` header of the tokens it signs, and of its JWKS entry). */
  readonly kid: string;
}

/** The private key tokens are signed with, and its public half. */
export interface SigningKey extends VerificationKey {
  readonly privateKey: KeyObject;
}

/** The algorithm a key signs with: RS256 for RSA, ES256/384/512 by EC curve. */
export function algorithmOf(key: KeyObject): TokenAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return 'RS256';
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    if (curve === 'secp521r1') return 'ES512';
    throw new ServiceAccountKeyError(`unsupported elliptic curve ${curve ?? '(unknown)'}`);
  }
  throw new ServiceAccountKeyError(`unsupported key type ${type ?? '(unknown)'}: RSA or ECDSA keys only`);
}

/** kube-apiserver's key id: base64url (unpadded) of the SHA-256 of the DER SubjectPublicKeyInfo. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
}

export function verificationKey(publicKey: KeyObject): VerificationKey {
  return { key: publicKey, alg: algorithmOf(publicKey), kid: keyIdOf(publicKey) };
}

/** The signing key in PEM text (PKCS#1, PKCS#8 or SEC 1 private key). */
export function parseSigningKey(pem: string, source: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (err) {
    throw new ServiceAccountKeyError(`failed to parse service account issuer private key from ${JSON.stringify(source)}: ${(err as Error).message}`);
  }
  const publicKey = createPublicKey(privateKey);
  return { ...verificationKey(publicKey), privateKey };
}

const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * The public keys in a --service-account-key-file: every PEM block that is a public
 * key, a private key (its public half) or a certificate (its key), as kube-apiserver reads them.
 */
export function parseVerificationKeys(pem: string, source: string): VerificationKey[] {
  const keys: VerificationKey[] = [];
  for (const m of pem.matchAll(pemBlock)) {
    const [block, label] = m as unknown as [string, string];
    try {
      if (label === 'CERTIFICATE') keys.push(verificationKey(new X509Certificate(block).publicKey));
      else if (label.endsWith('PRIVATE KEY')) keys.push(verificationKey(createPublicKey(createPrivateKey(block))));
      else if (label.endsWith('PUBLIC KEY')) keys.push(verificationKey(createPublicKey(block)));
    } catch (err) {
      if (err instanceof ServiceAccountKeyError) throw err;
      throw new ServiceAccountKeyError(`failed to parse key file ${JSON.stringify(source)}: ${(err as Error).message}`);
    }
  }
  if (keys.length === 0) throw new ServiceAccountKeyError(`failed to parse key file ${JSON.stringify(source)}: data does not contain any valid RSA or ECDSA public keys`);
  return keys;
}

/** One entry of /openid/v1/jwks, in kube-apiserver's field order. */
export function jwkOf(k: VerificationKey): Record<string, string> {
  const jwk = k.key.export({ format: 'jwk' }) as Record<string, string>;
  const out: Record<string, string> = { use: 'sig', kty: jwk.kty!, kid: k.kid };
  if (jwk.crv !== undefined) out.crv = jwk.crv;
  out.alg = k.alg;
  for (const f of jwk.kty === 'RSA' ? ['n', 'e'] : ['x', 'y']) out[f] = jwk[f]!;
  return out;
}
