/**
 * authorization.k8s.io/v1's reviews: questions to the API server's authorizer,
 * answered on POST and never stored (kube-apiserver's authorization REST).
 * SubjectAccessReview asks about any user (spec.user, groups, uid, extra),
 * LocalSubjectAccessReview the same within the URL's namespace,
 * SelfSubjectAccessReview about the caller (`kubectl auth can-i`), and
 * SelfSubjectRulesReview lists the caller's rules in a namespace (`kubectl auth
 * can-i --list`). Validation and answers are worded as kube-apiserver 1.26's.
 */
import { errors, type StatusCause } from '../generic/api-error.js';
import { resourceInfo } from '../generic/base-strategy.js';
import { checkKind, CreateOnlyStore } from '../generic/create-only-store.js';
import type { WriteOptions } from '../generic/resource-store.js';
import type { KubeObject, ResourceInfo } from '../generic/types.js';
import { fieldErrors } from '../validation/field-errors.js';
import { accessUserOf, type AccessAttributes, type AccessAuthorizer, type AccessUser } from '../rbac/access.js';

export const authorizationGroup = 'authorization.k8s.io';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

const reviewInfo = (resource: string, kind: string, namespaced = false): ResourceInfo =>
  resourceInfo({ group: authorizationGroup, version: 'v1', resource, singular: resource.replace(/s$/, ''), kind, listKind: `${kind}List`, namespaced, verbs: ['create'] });

export const subjectAccessReviewInfo = reviewInfo('subjectaccessreviews', 'SubjectAccessReview');
export const selfSubjectAccessReviewInfo = reviewInfo('selfsubjectaccessreviews', 'SelfSubjectAccessReview');
export const selfSubjectRulesReviewInfo = reviewInfo('selfsubjectrulesreviews', 'SelfSubjectRulesReview');
export const localSubjectAccessReviewInfo = reviewInfo('localsubjectaccessreviews', 'LocalSubjectAccessReview', true);

/** Go's %#v of the internal attribute struct, as kube-apiserver's field errors print it ("null" when absent). */
function goNonResourceAttributes(v: unknown): string {
  if (!isObj(v)) return '"null"';
  return `authorization.NonResourceAttributes{Path:${JSON.stringify(str(v['path']))}, Verb:${JSON.stringify(str(v['verb']))}}`;
}

function validateAttributes(spec: Obj): StatusCause[] {
  const causes: StatusCause[] = [];
  const r = spec['resourceAttributes'];
  const n = spec['nonResourceAttributes'];
  if (isObj(r) && isObj(n)) causes.push(fieldErrors.invalidPrinted('spec.nonResourceAttributes', goNonResourceAttributes(n), 'cannot be specified in combination with resourceAttributes'));
  if (!isObj(r) && !isObj(n)) causes.push(fieldErrors.invalidPrinted('spec.resourceAttributes', goNonResourceAttributes(n), 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  return causes;
}

function attributesFrom(user: AccessUser, spec: Obj): AccessAttributes {
  const r = spec['resourceAttributes'];
  if (isObj(r)) {
    const version = str(r['version']);
    return {
      user,
      isResourceRequest: true,
      path: '',
      verb: str(r['verb']),
      namespace: str(r['namespace']),
      apiGroup: str(r['group']),
      apiVersion: version === '' ? '*' : version,
      resource: str(r['resource']),
      subresource: str(r['subresource']),
      name: str(r['name']),
    };
  }
  const n = isObj(spec['nonResourceAttributes']) ? spec['nonResourceAttributes'] : {};
  return { user, isResourceRequest: false, path: str(n['path']), verb: str(n['verb']), namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '' };
}

function extraOf(v: unknown): Record<string, readonly string[]> {
  if (!isObj(v)) return {};
  return Object.fromEntries(Object.entries(v).map(([k, vs]) => [k, strings(vs)]));
}

/** The answer body: the request as sent, with its status. */
async function answer(authorizer: AccessAuthorizer, info: ResourceInfo, body: KubeObject, spec: Obj, attributes: AccessAttributes): Promise<{ code: number; body: unknown }> {
  const r = await authorizer.authorize(attributes);
  const status: Obj = { allowed: r.decision === 'allow' };
  if (r.decision === 'deny') status['denied'] = true;
  if (r.reason !== '') status['reason'] = r.reason;
  const metadata = { ...(isObj(body.metadata) ? body.metadata : {}), creationTimestamp: null };
  return { code: 201, body: { kind: info.kind, apiVersion: `${info.group}/${info.version}`, metadata, spec, status } };
}

const specOf = (body: KubeObject): Obj => (isObj(body.spec) ? body.spec : {});

function requireUser(options: WriteOptions): AccessUser {
  if (options.user === undefined) throw errors.badRequest('no user present on request');
  return accessUserOf(options.user);
}

/** Where the reviews get the API server's authorizer from (set when the server starts). */
export type AuthorizerSource = () => AccessAuthorizer | undefined;

function need(source: AuthorizerSource): AccessAuthorizer {
  const a = source();
  if (a === undefined) throw errors.internal('no authorizer configured');
  return a;
}

const nonEmptyMeta = (body: KubeObject, allowNamespace: boolean): boolean => {
  const m = isObj(body.metadata) ? body.metadata : {};
  return Object.entries(m).some(([k, v]) => !(allowNamespace && k === 'namespace') && k !== 'managedFields' && k !== 'creationTimestamp' && v !== undefined && v !== null && v !== '' && !(isObj(v) && Object.keys(v).length === 0) && !(Array.isArray(v) && v.length === 0));
};

/** The four review resources over the API server's authorizer. */
export function accessReviewStores(source: AuthorizerSource): CreateOnlyStore[] {
  // kube-apiserver names no kind in these errors (the reviews' internal objects carry none): ".authorization.k8s.io \"\" is invalid".
  const invalid = (info: ResourceInfo, causes: StatusCause[]) => errors.invalid(info, '', '', causes);
  return [
    new CreateOnlyStore(subjectAccessReviewInfo, async (_ns, body) => {
      const info = subjectAccessReviewInfo;
      checkKind(info, body);
      const spec = specOf(body);
      const causes = validateAttributes(spec);
      const user = str(spec['user']);
      const groups = strings(spec['groups']);
      if (user === '' && groups.length === 0) causes.push(fieldErrors.invalid('spec.user', user, 'at least one of user or group must be specified'));
      if (nonEmptyMeta(body, false)) causes.push(fieldErrors.invalidPrinted('metadata', 'v1.ObjectMeta{...}', 'must be empty'));
      if (causes.length > 0) throw invalid(info, causes);
      const subject: AccessUser = { name: user, uid: str(spec['uid']), groups, extra: extraOf(spec['extra']) };
      return answer(need(source), info, body, spec, attributesFrom(subject, spec));
    }),
    new CreateOnlyStore(selfSubjectAccessReviewInfo, async (_ns, body, options) => {
      const info = selfSubjectAccessReviewInfo;
      checkKind(info, body);
      const spec = specOf(body);
      const causes = validateAttributes(spec);
      if (causes.length > 0) throw invalid(info, causes);
      return answer(need(source), info, body, spec, attributesFrom(requireUser(options), spec));
    }),
    new CreateOnlyStore(localSubjectAccessReviewInfo, async (ns, body) => {
      const info = localSubjectAccessReviewInfo;
      checkKind(info, body);
      const namespace = ns ?? '';
      if (namespace === '') throw errors.badRequest('namespace is required on this type: ');
      const meta = isObj(body.metadata) ? body.metadata : {};
      const given = str(meta['namespace']);
      if (given !== '' && given !== namespace) throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      const withNs: KubeObject = { ...body, metadata: { ...meta, namespace } };
      const spec = specOf(body);
      const causes = validateAttributes(spec);
      const user = str(spec['user']);
      const groups = strings(spec['groups']);
      if (user === '' && groups.length === 0) causes.push(fieldErrors.invalid('spec.user', user, 'at least one of user or group must be specified'));
      if (nonEmptyMeta(withNs, true)) causes.push(fieldErrors.invalidPrinted('metadata', 'v1.ObjectMeta{...}', 'must be empty except for namespace'));
      const r = spec['resourceAttributes'];
      if (isObj(r) && str(r['namespace']) !== namespace) causes.push(fieldErrors.invalid('spec.resourceAttributes.namespace', str(r['namespace']), 'must match metadata.namespace'));
      if (isObj(spec['nonResourceAttributes'])) causes.push(fieldErrors.invalidPrinted('spec.nonResourceAttributes', goNonResourceAttributes(spec['nonResourceAttributes']), 'disallowed on this kind of request'));
      if (causes.length > 0) throw invalid(info, causes);
      const subject: AccessUser = { name: user, uid: str(spec['uid']), groups, extra: extraOf(spec['extra']) };
      return answer(need(source), info, withNs, spec, attributesFrom(subject, spec));
    }),
    new CreateOnlyStore(selfSubjectRulesReviewInfo, async (_ns, body, options) => {
      const info = selfSubjectRulesReviewInfo;
      checkKind(info, body);
      const user = requireUser(options);
      const namespace = str(specOf(body)['namespace']);
      if (namespace === '') throw errors.badRequest('no namespace on request');
      const rules = need(source).rulesFor(user, namespace);
      const status: Obj = {
        resourceRules: rules.resourceRules.map((r) => ({
          verbs: r.verbs,
          ...((r.apiGroups ?? []).length > 0 ? { apiGroups: r.apiGroups } : {}),
          ...((r.resources ?? []).length > 0 ? { resources: r.resources } : {}),
          ...((r.resourceNames ?? []).length > 0 ? { resourceNames: r.resourceNames } : {}),
        })),
        nonResourceRules: rules.nonResourceRules.map((r) => ({ verbs: r.verbs, ...((r.nonResourceURLs ?? []).length > 0 ? { nonResourceURLs: r.nonResourceURLs } : {}) })),
        incomplete: rules.incomplete,
        ...(rules.evaluationError === '' ? {} : { evaluationError: rules.evaluationError }),
      };
      return { code: 201, body: { kind: info.kind, apiVersion: `${info.group}/${info.version}`, metadata: { creationTimestamp: null }, spec: {}, status } };
    }),
  ];
}
