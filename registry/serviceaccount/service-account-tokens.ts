/**
 * Bound ServiceAccount tokens, as kube-apiserver issues and checks them: a JWT signed
 * with the --service-account-signing-key-file key, carrying the issuer, audiences,
 * expiry and the `kubernetes.io` claim (namespace, the ServiceAccount's name and uid,
 * and the Pod or Secret it is bound to). A token is accepted while its signature
 * verifies with one of the --service-account-key-file keys, it is in date (60 s of
 * leeway, as go-jose allows), one of its audiences is wanted, and the ServiceAccount
 * and the bound object still exist with the uids it names.
 */
import type { JWTPayload } from 'jose';
import type { SigningKey, VerificationKey } from './token-keys.js';

/** jose loads with the first token made or checked (an API server no pod talks to never needs it). */
let joseLib: Promise<typeof import('jose')> | undefined;
const jose = (): Promise<typeof import('jose')> => (joseLib ??= import('jose'));

/** Seconds of clock skew tolerated on exp, nbf and iat (go-jose's DefaultLeeway). */
export const tokenLeewaySeconds = 60;
/** A Pod's projected token asks for 3607 s; kube-apiserver then issues it for a year and warns after 3607 s. */
export const warnOnlyExpirationSeconds = 3607;
/** How long an extended (3607 s) Pod token really lives: 365 days. */
export const extendedExpirationSeconds = 365 * 24 * 3600;

export const serviceAccountUsernamePrefix = 'system:serviceaccount:';
export const serviceAccountGroups = { all: 'system:serviceaccounts', namespacePrefix: 'system:serviceaccounts:' } as const;

/** system:serviceaccount:<namespace>:<name>. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${serviceAccountUsernamePrefix}${namespace}:${name}`;
}

/** The groups every ServiceAccount of a namespace is in (system:authenticated is added by authentication). */
export function serviceAccountGroupNames(namespace: string): string[] {
  return [serviceAccountGroups.all, `${serviceAccountGroups.namespacePrefix}${namespace}`];
}

/** What an object a token names looks like to the checks: its uid, and when it is being deleted. */
export interface BoundObjectState {
  readonly uid: string;
  readonly deletionTimestamp?: string;
}

/** Reads the objects tokens name (ServiceAccounts, Pods, Secrets); undefined when one does not exist. */
export interface BoundObjectLookup {
  get(resource: 'serviceaccounts' | 'pods' | 'secrets', namespace: string, name: string): Promise<BoundObjectState | undefined>;
}

/** A name and uid, as the `kubernetes.io` claim holds them. */
export interface ObjectRefClaim {
  readonly name: string;
  readonly uid: string;
}

/** The private `kubernetes.io` claim. */
export interface KubernetesClaim {
  readonly namespace: string;
  readonly pod?: ObjectRefClaim;
  readonly secret?: ObjectRefClaim;
  readonly serviceaccount: ObjectRefClaim;
  /** When an extended token should have been refreshed (seconds since the epoch). */
  readonly warnafter?: number;
}

/** The user a token authenticates (user.Info's fields). */
export interface ServiceAccountUser {
  readonly name: string;
  readonly uid: string;
  readonly groups: readonly string[];
  readonly extra: Readonly<Record<string, readonly string[]>>;
}

/** What checking a token found. */
export type TokenCheck =
  | { readonly kind: 'authenticated'; readonly user: ServiceAccountUser; readonly audiences: readonly string[] }
  /** A token of this issuer that is not valid; reason is kube-apiserver's text. */
  | { readonly kind: 'failed'; readonly reason: string }
  /** Not a JWT, or another issuer's: some other authenticator may know it. */
  | { readonly kind: 'none' };

/** What a TokenRequest asks for, once validated and its bound object found. */
export interface TokenIssue {
  readonly namespace: string;
  readonly serviceAccount: ObjectRefClaim;
  readonly audiences: readonly string[];
  readonly expirationSeconds: number;
  readonly bound?: { readonly kind: 'Pod' | 'Secret' } & ObjectRefClaim;
}

export interface ServiceAccountTokensOptions {
  /** --service-account-issuer values: the first is written into new tokens, all are accepted. */
  readonly issuers: readonly string[];
  /** --api-audiences: the audiences of a token request that names none, and of every API request. */
  readonly apiAudiences: readonly string[];
  readonly signingKey: SigningKey;
  /** --service-account-key-file keys. */
  readonly verificationKeys: readonly VerificationKey[];
  readonly objects: BoundObjectLookup;
  /** --service-account-extend-token-expiration (default true). */
  readonly extendExpiration?: boolean;
  readonly now?: () => Date;
}

/** Go's %q of a string slice: ["a" "b"]. */
export const goQuoteList = (l: readonly string[]): string => `[${l.map((s) => JSON.stringify(s)).join(' ')}]`;

const asStrings = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
const asRef = (v: unknown): ObjectRefClaim | undefined => {
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  return { name: typeof r.name === 'string' ? r.name : '', uid: typeof r.uid === 'string' ? r.uid : '' };
};

/** How many tokens whose signature verified are remembered (the oldest are forgotten first). */
const verifiedTokensKept = 4096;

export class ServiceAccountTokens {
  readonly options: ServiceAccountTokensOptions;
  private readonly now: () => Date;
  /**
   * Tokens whose signature verified, with their claims: a token used again skips the
   * decoding and the RSA/ECDSA verification (most of a check's cost). Only the signature is
   * remembered; audiences, times and the objects it names are checked every time.
   */
  private readonly verified = new Map<string, JWTPayload>();

  constructor(options: ServiceAccountTokensOptions) {
    if (options.issuers.length === 0) throw new Error('a ServiceAccount token issuer is required');
    this.options = options;
    this.now = options.now ?? (() => new Date());
  }

  /** The issuer written into new tokens. */
  get issuer(): string {
    return this.options.issuers[0]!;
  }

  /** Whether every audience is one of the API server's own (an extended Pod token must be for the API server). */
  private isApiAudiences(audiences: readonly string[]): boolean {
    return audiences.every((a) => this.options.apiAudiences.includes(a));
  }

  /** Signs a token for r; its expiry as the TokenRequest's status says it (the nominal one, for extended tokens too). */
  async issue(r: TokenIssue): Promise<{ token: string; expirationTimestamp: Date }> {
    const now = this.now();
    const iat = Math.floor(now.getTime() / 1000);
    let lifetime = r.expirationSeconds;
    let warnafter: number | undefined;
    if ((this.options.extendExpiration ?? true) && r.bound?.kind === 'Pod' && r.expirationSeconds === warnOnlyExpirationSeconds && this.isApiAudiences(r.audiences)) {
      warnafter = iat + r.expirationSeconds;
      lifetime = extendedExpirationSeconds;
    }
    const k8s: Record<string, unknown> = { namespace: r.namespace };
    if (r.bound?.kind === 'Pod') k8s.pod = { name: r.bound.name, uid: r.bound.uid };
    if (r.bound?.kind === 'Secret') k8s.secret = { name: r.bound.name, uid: r.bound.uid };
    k8s.serviceaccount = { name: r.serviceAccount.name, uid: r.serviceAccount.uid };
    if (warnafter !== undefined) k8s.warnafter = warnafter;
    // The claims in kube-apiserver's (alphabetical) order.
    const claims: JWTPayload = {
      aud: [...r.audiences],
      exp: iat + lifetime,
      iat,
      iss: this.issuer,
      'kubernetes.io': k8s,
      nbf: iat,
      sub: serviceAccountUsername(r.namespace, r.serviceAccount.name),
    };
    const key = this.options.signingKey;
    const { SignJWT } = await jose();
    const token = await new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(key.privateKey);
    return { token, expirationTimestamp: new Date((iat + r.expirationSeconds) * 1000) };
  }

  /**
   * Checks token for the given audiences (the API audiences when none are given), in
   * kube-apiserver's order: issuer, signature, audiences, times, then the objects it names.
   */
  async check(token: string, audiences?: readonly string[]): Promise<TokenCheck> {
    let payload = this.verified.get(token);
    if (payload === undefined) {
      const { compactVerify, decodeJwt, decodeProtectedHeader } = await jose();
      try {
        decodeProtectedHeader(token);
        payload = decodeJwt(token);
      } catch {
        return { kind: 'none' };
      }
      if (typeof payload.iss !== 'string' || !this.options.issuers.includes(payload.iss)) return { kind: 'none' };
      let verified = false;
      for (const k of this.options.verificationKeys) {
        try {
          await compactVerify(token, k.key, { algorithms: [k.alg] });
          verified = true;
          break;
        } catch {
          // Another key may have signed it; failing every key is the answer below.
        }
      }
      if (!verified) return { kind: 'failed', reason: 'square/go-jose: error in cryptographic primitive' };
      this.verified.set(token, payload);
      if (this.verified.size > verifiedTokensKept) this.verified.delete(this.verified.keys().next().value!);
    }

    const implicit = this.options.apiAudiences;
    let tokenAudiences = asStrings(payload.aud);
    if (tokenAudiences.length === 0) tokenAudiences = [...implicit];
    const wanted = audiences !== undefined && audiences.length > 0 ? audiences : implicit;
    const matched = tokenAudiences.filter((a) => wanted.includes(a));
    if (matched.length === 0 && implicit.length > 0) return { kind: 'failed', reason: `token audiences ${goQuoteList(tokenAudiences)} is invalid for the target audiences ${goQuoteList(wanted)}` };

    const nowSeconds = this.now().getTime() / 1000;
    if (typeof payload.nbf === 'number' && nowSeconds + tokenLeewaySeconds < payload.nbf) return { kind: 'failed', reason: 'service account token is not valid yet' };
    if (typeof payload.exp === 'number' && nowSeconds - tokenLeewaySeconds > payload.exp) return { kind: 'failed', reason: 'service account token has expired' };
    if (typeof payload.iat === 'number' && nowSeconds + tokenLeewaySeconds < payload.iat) return { kind: 'failed', reason: 'service account token is issued in the future' };

    const k8s = payload['kubernetes.io'];
    if (typeof k8s !== 'object' || k8s === null) return { kind: 'failed', reason: 'service account token claims are missing' };
    const claim = k8s as Record<string, unknown>;
    const namespace = typeof claim.namespace === 'string' ? claim.namespace : '';
    const sa = asRef(claim.serviceaccount) ?? { name: '', uid: '' };
    const pod = asRef(claim.pod);
    const secret = asRef(claim.secret);
    const deletedBefore = (o: BoundObjectState): boolean => o.deletionTimestamp !== undefined && Date.parse(o.deletionTimestamp) / 1000 < nowSeconds - tokenLeewaySeconds;
    const objects = this.options.objects;

    const account = await objects.get('serviceaccounts', namespace, sa.name);
    if (account === undefined) return { kind: 'failed', reason: `serviceaccounts ${JSON.stringify(sa.name)} not found` };
    if (deletedBefore(account)) return { kind: 'failed', reason: `service account ${namespace}/${sa.name} has been deleted` };
    if (account.uid !== sa.uid) return { kind: 'failed', reason: `service account UID (${account.uid}) does not match claim (${sa.uid})` };
    if (secret !== undefined) {
      const s = await objects.get('secrets', namespace, secret.name);
      if (s === undefined || deletedBefore(s)) return { kind: 'failed', reason: 'service account token has been invalidated' };
      if (s.uid !== secret.uid) return { kind: 'failed', reason: `secret UID (${s.uid}) does not match service account secret ref claim (${secret.uid})` };
    }
    if (pod !== undefined) {
      const p = await objects.get('pods', namespace, pod.name);
      if (p === undefined || deletedBefore(p)) return { kind: 'failed', reason: 'service account token has been invalidated' };
      if (p.uid !== pod.uid) return { kind: 'failed', reason: `pod UID (${p.uid}) does not match service account pod ref claim (${pod.uid})` };
    }
    const extra: Record<string, string[]> = pod === undefined ? {} : { 'authentication.kubernetes.io/pod-name': [pod.name], 'authentication.kubernetes.io/pod-uid': [pod.uid] };
    return {
      kind: 'authenticated',
      user: { name: serviceAccountUsername(namespace, sa.name), uid: sa.uid, groups: serviceAccountGroupNames(namespace), extra },
      audiences: matched,
    };
  }
}
