/**
 * selfsubjectreviews (authentication.k8s.io/v1, served by default since Kubernetes
 * 1.28): "who am I?" — the answer is the caller as the API server authenticated it
 * (after impersonation), which is what `kubectl auth whoami` prints. POST only;
 * nothing is read from the body but its kind, and nothing is stored.
 */
import { errors } from '../generic/api-error.js';
import { resourceInfo } from '../generic/base-strategy.js';
import { checkKind, CreateOnlyStore } from '../generic/create-only-store.js';
import { rfc3339 } from '../generic/generic-store.js';
import type { ResourceInfo } from '../generic/types.js';
import { userStatus } from '../tokenreview/token-review.js';

export const selfSubjectReviewsInfo: ResourceInfo = resourceInfo({
  group: 'authentication.k8s.io',
  version: 'v1',
  resource: 'selfsubjectreviews',
  singular: 'selfsubjectreview',
  kind: 'SelfSubjectReview',
  listKind: 'SelfSubjectReviewList',
  namespaced: false,
  verbs: ['create'],
});

/** The resource; now stamps the answer's creationTimestamp, as kube-apiserver does. */
export function selfSubjectReviewStore(now: () => Date): CreateOnlyStore {
  const info = selfSubjectReviewsInfo;
  return new CreateOnlyStore(info, async (_namespace, body, options) => {
    checkKind(info, body);
    const user = options.user;
    if (user === undefined) throw errors.badRequest('no user present on request');
    const userInfo = userStatus({ username: user.username, uid: user.uid ?? '', groups: user.groups, extra: user.extra ?? {} });
    return { code: 201, body: { kind: info.kind, apiVersion: `${info.group}/${info.version}`, metadata: { creationTimestamp: rfc3339(now()) }, status: { userInfo } } };
  });
}
