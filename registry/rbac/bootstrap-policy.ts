/**
 * The RBAC objects kube-apiserver 1.26 creates at start (the bootstrap policy:
 * cluster-admin, admin/edit/view, the system:* roles of every component and
 * their bindings), and their reconciliation: at every start each is created when
 * missing, and one that is there but lacks labels, annotations, rules,
 * aggregation selectors or subjects gets them added, unless it is annotated
 * rbac.authorization.kubernetes.io/autoupdate=false. A binding whose roleRef
 * changed is recreated (roleRef is immutable). The objects are data
 * (bootstrap-policy.json, imported from the reference by
 * scripts/import-bootstrap-rbac.mjs).
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { ApiError } from '../generic/api-error.js';
import type { GenericStore } from '../generic/generic-store.js';
import type { KubeObject } from '../generic/types.js';
import { covers, rulesOf } from './policy-rule.js';

/** The bootstrap policy: the four kinds' objects. */
export interface BootstrapPolicy {
  readonly clusterRoles: readonly KubeObject[];
  readonly clusterRoleBindings: readonly KubeObject[];
  readonly roles: readonly KubeObject[];
  readonly roleBindings: readonly KubeObject[];
}

/** The annotation that keeps reconciliation away from an object when "false". */
export const autoUpdateAnnotation = 'rbac.authorization.kubernetes.io/autoupdate';

let cached: BootstrapPolicy | undefined;

/**
 * Rules later releases add to 1.26's roles for APIs Kite serves: system:basic-user
 * may ask who it is (selfsubjectreviews; 1.26 adds the rule only with its
 * APISelfSubjectReview gate on, 1.28 always).
 */
const laterRules: Readonly<Record<string, readonly object[]>> = {
  'system:basic-user': [{ verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] }],
};

/** kube-apiserver's bootstrap policy: 1.26's (read once) with laterRules added. */
export function bootstrapPolicy(): BootstrapPolicy {
  if (cached === undefined) {
    const policy = JSON.parse(readFileSync(new URL('./bootstrap-policy.json', import.meta.url), 'utf8')) as BootstrapPolicy;
    const clusterRoles = policy.clusterRoles.map((r) => {
      const more = laterRules[r.metadata.name ?? ''];
      return more === undefined ? r : { ...r, rules: [...(Array.isArray(r.rules) ? (r.rules as unknown[]) : []), ...more] };
    });
    cached = { ...policy, clusterRoles };
  }
  return cached;
}

/** The stores reconciliation writes to. */
export interface BootstrapStores {
  readonly clusterRoles: GenericStore;
  readonly clusterRoleBindings: GenericStore;
  readonly roles: GenericStore;
  readonly roleBindings: GenericStore;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

async function getOrUndefined(store: GenericStore, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
  try {
    return await store.get(namespace, name);
  } catch (e) {
    if (e instanceof ApiError && e.code === 404) return undefined;
    throw e;
  }
}

async function createIgnoringExists(store: GenericStore, namespace: string | undefined, obj: KubeObject): Promise<void> {
  try {
    await store.create(namespace, structuredClone(obj), { fieldManager: 'kube-apiserver' });
  } catch (e) {
    if (!(e instanceof ApiError && e.reason === 'AlreadyExists')) throw e;
  }
}

/** Expected labels and annotations under the existing ones (the existing values win). */
function mergedMeta(existing: KubeObject, expected: KubeObject): Pick<KubeObject['metadata'], 'labels' | 'annotations'> {
  return {
    labels: { ...(expected.metadata.labels ?? {}), ...(existing.metadata.labels ?? {}) },
    annotations: { ...(expected.metadata.annotations ?? {}), ...(existing.metadata.annotations ?? {}) },
  };
}

/** The existing role with what the expected one has and it lacks; undefined when it lacks nothing. */
export function reconciledRole(existing: KubeObject, expected: KubeObject): KubeObject | undefined {
  const meta = mergedMeta(existing, expected);
  const { missing } = covers(rulesOf(existing), rulesOf(expected));
  const out: KubeObject = { ...existing, metadata: { ...existing.metadata, ...meta } };
  if (missing.length > 0) out.rules = [...(Array.isArray(existing.rules) ? (existing.rules as unknown[]) : []), ...missing];
  if (isObj(expected.aggregationRule)) {
    const have = isObj(existing.aggregationRule) && Array.isArray(existing.aggregationRule['clusterRoleSelectors']) ? (existing.aggregationRule['clusterRoleSelectors'] as unknown[]) : [];
    const want = Array.isArray(expected.aggregationRule['clusterRoleSelectors']) ? (expected.aggregationRule['clusterRoleSelectors'] as unknown[]) : [];
    const add = want.filter((w) => !have.some((h) => isDeepStrictEqual(h, w)));
    if (add.length > 0 || !isObj(existing.aggregationRule)) out.aggregationRule = { ...(isObj(existing.aggregationRule) ? existing.aggregationRule : {}), clusterRoleSelectors: [...have, ...add] };
  }
  return isDeepStrictEqual(out, existing) ? undefined : out;
}

const sameSubject = (a: unknown, b: unknown): boolean =>
  isObj(a) && isObj(b) && ['kind', 'apiGroup', 'name', 'namespace'].every((k) => (a[k] ?? '') === (b[k] ?? ''));

/** The existing binding with the expected one's labels, annotations and subjects it lacks; undefined when it lacks nothing. */
export function reconciledBinding(existing: KubeObject, expected: KubeObject): KubeObject | undefined {
  const have = Array.isArray(existing.subjects) ? (existing.subjects as unknown[]) : [];
  const want = Array.isArray(expected.subjects) ? (expected.subjects as unknown[]) : [];
  const add = want.filter((w) => !have.some((h) => sameSubject(h, w)));
  const out: KubeObject = { ...existing, metadata: { ...existing.metadata, ...mergedMeta(existing, expected) } };
  if (add.length > 0) out.subjects = [...have, ...add];
  return isDeepStrictEqual(out, existing) ? undefined : out;
}

const sameRoleRef = (a: KubeObject, b: KubeObject): boolean =>
  isObj(a.roleRef) && isObj(b.roleRef) && ['apiGroup', 'kind', 'name'].every((k) => (a.roleRef as Obj)[k] === (b.roleRef as Obj)[k]);

const isProtected = (o: KubeObject): boolean => o.metadata.annotations?.[autoUpdateAnnotation] === 'false';

async function reconcileRoles(store: GenericStore, expected: readonly KubeObject[]): Promise<void> {
  for (const want of expected) {
    const ns = want.metadata.namespace;
    const name = want.metadata.name!;
    const have = await getOrUndefined(store, ns, name);
    if (have === undefined) {
      await createIgnoringExists(store, ns, want);
      continue;
    }
    if (isProtected(have) || reconciledRole(have, want) === undefined) continue;
    await store.guaranteedUpdate(ns, name, (current) => (isProtected(current) ? current : (reconciledRole(current, want) ?? current)), {}, { manager: 'kube-apiserver' });
  }
}

async function reconcileBindings(store: GenericStore, expected: readonly KubeObject[]): Promise<void> {
  for (const want of expected) {
    const ns = want.metadata.namespace;
    const name = want.metadata.name!;
    const have = await getOrUndefined(store, ns, name);
    if (have === undefined) {
      await createIgnoringExists(store, ns, want);
      continue;
    }
    if (isProtected(have)) continue;
    if (!sameRoleRef(have, want)) {
      // roleRef cannot change: the binding is made again with the expected one and the subjects it had.
      const again = reconciledBinding({ ...have, roleRef: want.roleRef }, want) ?? { ...have, roleRef: want.roleRef };
      await store.delete(ns, name, { preconditions: { uid: have.metadata.uid ?? '' } });
      const { uid: _u, resourceVersion: _r, creationTimestamp: _c, ...meta } = again.metadata;
      await createIgnoringExists(store, ns, { ...again, metadata: meta });
      continue;
    }
    if (reconciledBinding(have, want) === undefined) continue;
    await store.guaranteedUpdate(ns, name, (current) => (isProtected(current) ? current : (reconciledBinding(current, want) ?? current)));
  }
}

/** Creates the bootstrap policy's objects where missing and adds what they lack where not protected. */
export async function reconcileBootstrapPolicy(stores: BootstrapStores, policy: BootstrapPolicy = bootstrapPolicy()): Promise<void> {
  await reconcileRoles(stores.clusterRoles, policy.clusterRoles);
  await reconcileBindings(stores.clusterRoleBindings, policy.clusterRoleBindings);
  await reconcileRoles(stores.roles, policy.roles);
  await reconcileBindings(stores.roleBindings, policy.roleBindings);
}
