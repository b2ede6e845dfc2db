/**
 * ServiceAccount issuer discovery, as kube-apiserver serves it: the OpenID Provider
 * configuration at /.well-known/openid-configuration and the token verification keys
 * at /openid/v1/jwks, so that other parties can check Kite's ServiceAccount tokens.
 * Both are cacheable for an hour. They sit behind authentication and authorization
 * like every path (RBAC's system:service-account-issuer-discovery role opens them).
 */
import type { Express } from 'express';
import { jwkOf, type VerificationKey } from '../registry/serviceaccount/token-keys.js';

export interface IssuerDiscovery {
  /** The issuer tokens carry (the first --service-account-issuer). */
  readonly issuer: string;
  /** Where the keys are served (--service-account-jwks-uri, or this server's /openid/v1/jwks). */
  readonly jwksUri: () => string;
  /** The keys tokens are verified with (--service-account-key-file). */
  readonly keys: readonly VerificationKey[];
}

export function serveIssuerDiscovery(app: Express, d: IssuerDiscovery): void {
  const algorithms = [...new Set(d.keys.map((k) => k.alg))].sort();
  const jwks = JSON.stringify({ keys: d.keys.map(jwkOf) });
  app.get('/.well-known/openid-configuration', (_req, res) => {
    const body = { issuer: d.issuer, jwks_uri: d.jwksUri(), response_types_supported: ['id_token'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: algorithms };
    res.status(200).setHeader('Cache-Control', 'public, max-age=3600').setHeader('Content-Type', 'application/json').send(Buffer.from(JSON.stringify(body)));
  });
  app.get('/openid/v1/jwks', (_req, res) => {
    res.status(200).setHeader('Cache-Control', 'public, max-age=3600').setHeader('Content-Type', 'application/jwk-set+json').send(Buffer.from(jwks));
  });
}
