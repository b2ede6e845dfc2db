/**
 * serviceaccounts/token (TokenRequest, authentication.k8s.io/v1): a bound token for
 * a ServiceAccount, for the audiences asked (the API server's own by default), for
 * expirationSeconds (3600 by default, 600 at least, 2^32 at most), optionally bound
 * to a Pod or Secret of the namespace. Checked in kube-apiserver's order and answered
 * with its codes and messages.
 */
import { ApiError, errors } from '../generic/api-error.js';
import type { GenericStore } from '../generic/generic-store.js';
import { rfc3339 } from '../generic/generic-store.js';
import { requestManagedFields } from '../generic/create-only-store.js';
import type { SubresourceHandler } from '../generic/resource-store.js';
import type { KubeObject } from '../generic/types.js';
import type { ServiceAccountTokens, TokenIssue } from './service-account-tokens.js';

/** A TokenRequest that names no expiry gets an hour. */
export const defaultExpirationSeconds = 3600;
const minExpirationSeconds = 600;
const maxExpirationSeconds = 2 ** 32;

const tokenRequestGroup = 'authentication.k8s.io';
const asObject = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** A 422 for the TokenRequest, with kube-apiserver's empty name (left out of the details). */
function invalid(field: string, value: unknown, message: string): ApiError {
  const detail = `Invalid value: ${String(value)}: ${message}`;
  return new ApiError(422, 'Invalid', `TokenRequest.${tokenRequestGroup} "" is invalid: ${field}: ${detail}`, {
    group: tokenRequestGroup,
    kind: 'TokenRequest',
    causes: [{ reason: 'FieldValueInvalid', message: detail, field }],
  });
}

/** Go's GroupVersionKind.String() of an apiVersion and kind: `group/version, Kind=kind`. */
function gvkString(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  const [group, version] = slash < 0 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
  return `${group}/${version}, Kind=${kind}`;
}

export interface TokenRequestStores {
  readonly serviceAccounts: () => GenericStore;
  readonly pods: () => GenericStore;
  readonly secrets: () => GenericStore;
}

/** Creates the token of one TokenRequest body for the ServiceAccount name in namespace. */
export async function requestToken(tokens: ServiceAccountTokens, stores: TokenRequestStores, namespace: string, name: string, body: unknown, now: () => Date): Promise<{ code: number; body: unknown }> {
  const request = asObject(body);
  const meta = asObject(request.metadata);
  const spec = asObject(request.spec);
  if (typeof meta.namespace === 'string' && meta.namespace !== '' && meta.namespace !== namespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const account: KubeObject = await stores.serviceAccounts().get(namespace, name);
  const asked = Array.isArray(spec.audiences) ? spec.audiences.filter((a): a is string => typeof a === 'string') : [];
  const audiences = asked.length > 0 ? asked : [...tokens.options.apiAudiences];
  const expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : defaultExpirationSeconds;
  const created = now();
  if (expirationSeconds < minExpirationSeconds) throw invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes');
  if (expirationSeconds > maxExpirationSeconds) throw invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds');

  const ref = spec.boundObjectRef === undefined || spec.boundObjectRef === null ? undefined : asObject(spec.boundObjectRef);
  let bound: TokenIssue['bound'];
  if (ref !== undefined) {
    const apiVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion : '';
    const kind = typeof ref.kind === 'string' ? ref.kind : '';
    const refName = typeof ref.name === 'string' ? ref.name : '';
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    if (group !== '' || (kind !== 'Pod' && kind !== 'Secret')) throw errors.badRequest(`cannot bind token to object of type ${gvkString(apiVersion, kind)}`);
    const obj = await (kind === 'Pod' ? stores.pods() : stores.secrets()).get(namespace, refName);
    if (kind === 'Pod') {
      const podAccount = asObject(obj.spec).serviceAccountName;
      if (podAccount !== name) throw errors.badRequest(`cannot bind token for serviceaccount ${JSON.stringify(name)} to pod running with different serviceaccount name.`);
    }
    const uid = obj.metadata.uid ?? '';
    if (typeof ref.uid === 'string' && ref.uid !== '' && ref.uid !== uid) {
      throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${kind} ${JSON.stringify(refName)}: the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`, {
        name: refName,
        kind,
      });
    }
    bound = { kind, name: refName, uid };
  }
  const { token, expirationTimestamp } = await tokens.issue({
    namespace,
    serviceAccount: { name: account.metadata.name!, uid: account.metadata.uid ?? '' },
    audiences,
    expirationSeconds,
    ...(bound === undefined ? {} : { bound }),
  });
  return {
    code: 201,
    body: {
      kind: 'TokenRequest',
      apiVersion: `${tokenRequestGroup}/v1`,
      metadata: { ...meta, name: typeof meta.name === 'string' && meta.name !== '' ? meta.name : name, namespace, creationTimestamp: rfc3339(created) },
      spec: { audiences, expirationSeconds, boundObjectRef: ref ?? null },
      status: { token, expirationTimestamp: rfc3339(expirationTimestamp) },
    },
  };
}

/** The serviceaccounts/token subresource. */
export function tokenSubresource(tokens: () => ServiceAccountTokens | undefined, stores: TokenRequestStores, now: () => Date): SubresourceHandler {
  return {
    create: async (namespace, name, body, options) => {
      const t = tokens();
      // Without signing keys (a registry built for tests) there are no tokens to give.
      if (t === undefined) throw errors.internal('no ServiceAccount token signing key is configured');
      const answer = await requestToken(t, stores, namespace ?? '', name, body, now);
      // The answer carries the request's fields (expirationSeconds defaulted), owned by its writer through the token subresource.
      const request = asObject(body);
      const counted: KubeObject = { ...request, metadata: asObject(request.metadata), spec: { expirationSeconds: defaultExpirationSeconds, ...asObject(request.spec) } };
      const managed = requestManagedFields({ group: tokenRequestGroup, version: 'v1', kind: 'TokenRequest' }, counted, options, now(), 'token');
      const issued = answer.body as KubeObject;
      if (managed.length > 0) issued.metadata = { ...issued.metadata, managedFields: managed };
      return answer;
    },
  };
}
