import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../registry/generic/api-error.js';
import { decodeContinue, encodeContinue } from '../../registry/generic/continue-token.js';
import { matchesFields, parseFieldSelector } from '../../registry/generic/field-selector.js';
import { defaultStoragePrefix, listPrefix, objectKey } from '../../registry/generic/keys.js';
import { builtinSchemaTree } from '../../schemas/schema-tree.js';
import { matchesLabels, parseLabelSelector } from '../../registry/generic/label-selector.js';
import { dns1123LabelErrors, dns1123SubdomainErrors } from '../../registry/generic/name-validation.js';
import { mergePatch } from '../../registry/generic/patch.js';
import { strategicMergePatch } from '../../registry/generic/strategic-merge.js';
import { humanDuration } from '../../registry/generic/table.js';
import type { KubeObject } from '../../registry/generic/types.js';
import { daemonSetStrategy } from '../../registry/daemonset/strategy.js';
import { deploymentStrategy } from '../../registry/deployment/strategy.js';
import { endpointSliceStrategy } from '../../registry/endpointslice/strategy.js';
import { serviceStrategy } from '../../registry/service/strategy.js';
import { nodeStrategy } from '../../registry/node/strategy.js';
import { podStrategy } from '../../registry/pod/strategy.js';
import { resourceQuotaStrategy } from '../../registry/resourcequota/strategy.js';
import { validateObjectMeta } from '../../registry/validation/object-meta.js';
import { priorityClassStrategy } from '../../registry/priorityclass/strategy.js';
import { hpaV2Strategy } from '../../registry/horizontalpodautoscaler/strategy.js';
import { ingressClassStrategy } from '../../registry/ingressclass/strategy.js';
import { selectionPredicate } from '../../registry/storage/selection.js';

const labels = { app: 'web', tier: 'front', env: 'prod' };

test('label selectors', () => {
  const cases: [string, boolean][] = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app=db', false],
    ['missing!=x', true],
    ['app in (web,db)', true],
    ['app in (db)', false],
    ['app notin (db, cache)', true],
    ['missing notin (x)', true],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['app=web,tier=front', true],
    ['app=web, tier in (back)', false],
    ['app in (web),!missing,env', true],
  ];
  for (const [s, want] of cases) assert.equal(matchesLabels(parseLabelSelector(s), labels), want, s);
  // gt and lt compare integers; a label that is not one matches neither.
  const numbered = { n: '12', m: 'x' };
  for (const [s, want] of [['n>6', true], ['n<6', false], ['n>12', false], ['n<13', true], ['m>1', false], ['m<1', false], ['missing<1', false]] as const) {
    assert.equal(matchesLabels(parseLabelSelector(s), numbered), want, s);
  }
  // The keywords are values where a value stands; () and empty places are the empty value.
  assert.deepEqual(parseLabelSelector('k in (in, notin)').requirements, [{ kind: 'in', key: 'k', values: ['in', 'notin'] }]);
  assert.deepEqual(parseLabelSelector('k notin (,b)').requirements, [{ kind: 'notIn', key: 'k', values: ['', 'b'] }]);
  assert.deepEqual(parseLabelSelector('k in ()').requirements, [{ kind: 'in', key: 'k', values: [''] }]);
  assert.deepEqual(parseLabelSelector('  k  ==  v , !j ').requirements, [{ kind: 'equals', key: 'k', value: 'v' }, { kind: 'notExists', key: 'j' }]);
  // Errors in kube-apiserver's words (the api-diff corpus compares them with the reference's).
  const message = (s: string): string => {
    try {
      parseLabelSelector(s);
    } catch (e) {
      assert.ok(e instanceof ApiError && e.code === 400, s);
      return e.message;
    }
    return 'parsed';
  };
  assert.equal(message('a b c'), "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  assert.equal(message('!!'), "unable to parse requirement: found '!', expected: identifier");
  assert.equal(message('app=web,,x'), "found ',', expected: identifier after ','");
  assert.equal(message('app=('), "unable to parse requirement: found '(', expected: identifier");
  assert.equal(message('in in'), "unable to parse requirement: found '' expected: '('");
  assert.equal(message('k in (a'), "unable to parse requirement: found '', expected: ',' or ')'");
  assert.equal(message('!k=v'), "found '=', expected: ',' or 'end of string'");
  assert.equal(message('n>x'), 'unable to parse requirement: values[0]: Invalid value: "x": for \'Gt\', \'Lt\' operators, the value must be an integer');
  assert.match(message('a_'), /^unable to parse requirement: <nil>: Invalid value: "a_": name part must consist of/);
  assert.match(message('k in (a_,b_)'), /^unable to parse requirement: \[values\[0\]\[k\]: Invalid value: "a_": .*, values\[1\]\[k\]: Invalid value: "b_": .*\]$/);
});

test('field selectors', () => {
  const values: Record<string, string> = { 'metadata.name': 'a', 'status.phase': 'Running' };
  const cases: [string, boolean][] = [
    ['', true],
    ['metadata.name=a', true],
    ['metadata.name==a', true],
    ['metadata.name!=a', false],
    ['metadata.name=a,status.phase=Running', true],
    ['status.phase!=Pending', true],
    ['status.phase=Pending', false],
  ];
  for (const [s, want] of cases) assert.equal(matchesFields(parseFieldSelector(s), (f) => values[f]), want, s);
  assert.throws(() => parseFieldSelector('nonsense'), (e) => e instanceof ApiError && e.code === 400);
});

test('keys follow Kubernetes prefixes', () => {
  const ns = { storagePrefix: defaultStoragePrefix('namespaces'), namespaced: false };
  const cm = { storagePrefix: defaultStoragePrefix('configmaps'), namespaced: true };
  const deploy = { storagePrefix: defaultStoragePrefix('deployments'), namespaced: true };
  assert.equal(objectKey(ns, undefined, 'default'), '/registry/namespaces/default');
  assert.equal(objectKey(cm, 'default', 'foo'), '/registry/configmaps/default/foo');
  assert.equal(objectKey(deploy, 'default', 'web'), '/registry/deployments/default/web');
  assert.equal(listPrefix(cm, 'default'), '/registry/configmaps/default/');
  assert.equal(listPrefix(cm, undefined), '/registry/configmaps/');
  assert.equal(listPrefix(ns, 'x'), '/registry/namespaces/');
});

test('DNS-1123 names', () => {
  for (const ok of ['a', 'foo', 'foo-bar', 'a.b.c', '0abc', 'x'.repeat(253)]) assert.deepEqual(dns1123SubdomainErrors(ok), [], ok);
  for (const bad of ['', 'Foo', '-a', 'a-', 'a..b', 'a_b', 'x'.repeat(254)]) assert.notDeepEqual(dns1123SubdomainErrors(bad), [], bad);
  for (const ok of ['a', 'foo-bar', 'x'.repeat(63)]) assert.deepEqual(dns1123LabelErrors(ok), [], ok);
  for (const bad of ['a.b', 'Foo', 'x'.repeat(64)]) assert.notDeepEqual(dns1123LabelErrors(bad), [], bad);
  assert.match(dns1123SubdomainErrors('Foo')[0]!, /^a lowercase RFC 1123 subdomain must consist of/);
});

test('continue tokens round-trip and reject garbage', () => {
  assert.deepEqual(decodeContinue(encodeContinue({ resourceVersion: 7, start: 'default/foo' })), { resourceVersion: 7, start: 'default/foo' });
  for (const bad of ['!!!', Buffer.from('{"v":"x"}').toString('base64'), Buffer.from('{"v":"meta.k8s.io/v1","rv":1,"start":"../x"}').toString('base64')]) {
    assert.throws(() => decodeContinue(bad), (e) => e instanceof ApiError && e.code === 400);
  }
});

test('merge patch (RFC 7386)', () => {
  assert.deepEqual(mergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { a: null, b: { c: 9 }, l: [3] }), { b: { c: 9, d: 3 }, l: [3] });
});

test('strategic merge patch', () => {
  const pod = {
    metadata: { labels: { a: '1', b: '2' }, finalizers: ['x'] },
    spec: {
      containers: [
        { name: 'app', image: 'app:1', ports: [{ containerPort: 80, name: 'http' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
        { name: 'side', image: 'side:1' },
      ],
      volumes: [{ name: 'v1', emptyDir: {} }],
      tolerations: [{ key: 'a' }],
    },
  };
  const cases: [string, Record<string, unknown>, (r: typeof pod) => unknown, unknown][] = [
    ['merge container by name', { spec: { containers: [{ name: 'app', image: 'app:2' }] } }, (r) => r.spec.containers.map((c) => `${c.name}=${c.image}`), ['app=app:2', 'side=side:1']],
    // kube-apiserver puts what a patch adds before the original elements it did not name.
    ['new container first', { spec: { containers: [{ name: 'new', image: 'n' }] } }, (r) => r.spec.containers.map((c) => c.name), ['new', 'app', 'side']],
    ['patch order, then the rest by their places', { spec: { containers: [{ name: 'side', image: 's' }, { name: 'new', image: 'n' }] } }, (r) => r.spec.containers.map((c) => c.name), ['app', 'side', 'new']],
    ['$patch delete', { spec: { containers: [{ name: 'side', $patch: 'delete' }] } }, (r) => r.spec.containers.map((c) => c.name), ['app']],
    ['$patch replace list', { spec: { volumes: [{ $patch: 'replace' }, { name: 'v2' }] } }, (r) => r.spec.volumes, [{ name: 'v2' }]],
    ['env by name', { spec: { containers: [{ name: 'app', env: [{ name: 'B', value: '3' }] }] } }, (r) => r.spec.containers[0]!.env, [{ name: 'A', value: '1' }, { name: 'B', value: '3' }]],
    ['ports by containerPort', { spec: { containers: [{ name: 'app', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443 }] }] } }, (r) => r.spec.containers[0]!.ports, [{ containerPort: 80, name: 'http', protocol: 'TCP' }, { containerPort: 443 }]],
    ['null deletes', { metadata: { labels: { a: null } } }, (r) => r.metadata.labels, { b: '2' }],
    ['other lists replaced', { spec: { tolerations: [{ key: 'b' }] } }, (r) => r.spec.tolerations, [{ key: 'b' }]],
    ['scalar merge lists are unions (finalizers)', { metadata: { finalizers: ['y', 'x'] } }, (r) => r.metadata.finalizers, ['x', 'y']],
    ['$deleteFromPrimitiveList', { metadata: { '$deleteFromPrimitiveList/finalizers': ['x'] } }, (r) => r.metadata.finalizers, []],
    ['map $patch replace', { metadata: { labels: { $patch: 'replace', c: '3' } } }, (r) => r.metadata.labels, { c: '3' }],
  ];
  for (const [what, patch, pick, want] of cases) {
    const before = structuredClone(pod);
    assert.deepEqual(pick(strategicMergePatch(pod, patch, builtinSchemaTree.node('io.k8s.api.core.v1.Pod')) as typeof pod), want, what);
    assert.deepEqual(pod, before, `${what}: original untouched`);
  }
  const svc = { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } };
  assert.deepEqual(strategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, builtinSchemaTree.node('io.k8s.api.core.v1.Service')), { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } });
});

test('human durations as kubectl prints them', () => {
  const cases: [number, string][] = [[5, '5s'], [119, '119s'], [300, '5m'], [330, '5m30s'], [3600, '60m'], [3 * 3600 + 1200, '3h20m'], [20 * 3600, '20h'], [3 * 86400, '3d'], [30 * 86400, '30d'], [800 * 86400, '2y']];
  for (const [s, want] of cases) assert.equal(humanDuration(s * 1000), want, String(s));
});

test('workload strategies as kube-apiserver: what bumps generation, and what a selector that does not convert leaves unchecked', () => {
  const meta = (labels: Record<string, string> = {}, annotations?: Record<string, string>) => ({ name: 'x', namespace: 'ns', labels, ...(annotations === undefined ? {} : { annotations }) });
  const slice = (labels: Record<string, string>, port = 80) => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta(labels), addressType: 'IPv4', ports: [{ port }], endpoints: [] });
  assert.equal(endpointSliceStrategy.isSpecChange(slice({ a: '1' }), slice({ a: '1' })), false);
  assert.equal(endpointSliceStrategy.isSpecChange(slice({ a: '2' }), slice({ a: '1' })), true, 'labels count for a slice');
  assert.equal(endpointSliceStrategy.isSpecChange(slice({ a: '1' }, 81), slice({ a: '1' })), true);
  const labels = { app: 'web' };
  const template = { metadata: { labels }, spec: { containers: [] } };
  const deployment = (annotations: Record<string, string> | undefined, selector: unknown = { matchLabels: labels }) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta({}, annotations), spec: { replicas: 1, selector, template } });
  assert.equal(deploymentStrategy.isSpecChange(deployment({ n: '1' }), deployment(undefined)), true, 'annotations count for a Deployment');
  assert.equal(deploymentStrategy.isSpecChange(deployment({}), deployment(undefined)), false, 'no annotations and none at all are one');
  const like = { matchExpressions: [{ key: 'app', operator: 'Like', values: ['web'] }] };
  const fields = (causes: readonly { field?: string }[]) => causes.map((c) => c.field);
  const validated = (strategy: typeof deploymentStrategy, o: KubeObject) => {
    const defaulted = structuredClone(o);
    strategy.applyDefaults(defaulted);
    return strategy.validate(defaulted);
  };
  assert.deepEqual(fields(validated(deploymentStrategy, deployment(undefined, like))), ['spec.selector.matchExpressions[0].operator', 'spec.selector'], 'nothing of the template is checked');
  assert.deepEqual(fields(validated(deploymentStrategy, deployment(undefined))), ['spec.template.spec.containers']);
  const daemonSet = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta(), spec: { selector: like, template } };
  assert.deepEqual(fields(validated(daemonSetStrategy, daemonSet)), ['spec.selector.matchExpressions[0].operator', 'spec.template.spec.containers'], 'a DaemonSet checks its template but not against the selector');
});

test('Services: an update that keeps the cluster IPs keeps the IP families; a family unlike the cluster IP is Invalid', () => {
  const old = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'ns' }, spec: { type: 'ClusterIP', clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', ports: [{ port: 80 }] } };
  const update = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'ns' }, spec: { ports: [{ port: 80 }] } } as KubeObject;
  serviceStrategy.prepareForUpdate(update, old);
  const spec = update.spec as Record<string, unknown>;
  assert.deepEqual([spec.clusterIPs, spec.ipFamilies, spec.ipFamilyPolicy], [['10.96.0.9'], ['IPv4'], 'SingleStack']);
  const v6 = structuredClone(old);
  v6.spec.ipFamilies = ['IPv6'];
  serviceStrategy.applyDefaults(v6);
  const causes = serviceStrategy.validate(v6);
  assert.deepEqual(causes.map((c) => [c.field, c.message]), [['spec.clusterIPs[0]', 'Invalid value: "10.96.0.9": expected an IPv6 value as indicated by `ipFamilies[0]`']]);
});

test('Nodes and Pods keep podCIDR(s) and podIP(s) in step as the conversion does, and validate them; quota names are standard resources', () => {
  const node = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec });
  const bad = node({ podCIDR: '10.244.1.0' });
  nodeStrategy.applyDefaults(bad);
  assert.deepEqual((bad.spec as Record<string, unknown>).podCIDRs, ['10.244.1.0']);
  assert.deepEqual(nodeStrategy.validate(bad).map((c) => [c.field, c.message]), [['spec.podCIDRs[0]', 'Invalid value: []string{"10.244.1.0"}: must be valid CIDR']]);
  const set = node({ podCIDRs: ['10.244.1.0/24'] });
  nodeStrategy.applyDefaults(set);
  assert.equal((set.spec as Record<string, unknown>).podCIDR, '10.244.1.0/24');
  assert.deepEqual(nodeStrategy.validate(set), []);
  assert.deepEqual(nodeStrategy.validateUpdate(node({ podCIDRs: ['10.244.2.0/24'] }), set).map((c) => c.field), ['spec.podCIDRs']);
  assert.deepEqual(nodeStrategy.validateUpdate(set, node({})), [], 'from nothing to a CIDR is allowed');
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'i' }] }, status: { podIP: 'nope' } };
  podStrategy.applyDefaults(pod);
  assert.deepEqual((pod.status as Record<string, unknown>).podIPs, [{ ip: 'nope' }]);
  assert.deepEqual(podStrategy.validateStatusUpdate!(pod, pod).map((c) => c.field), ['status.podIPs[0]']);
  const quota = (hard: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'ns' }, spec: { hard } });
  assert.deepEqual(resourceQuotaStrategy.validate(quota({ pods: '1', 'count/deployments.apps': '2', 'requests.nvidia.com/gpu': '1', 'hugepages-2Mi': '1Gi' })), []);
  assert.deepEqual(resourceQuotaStrategy.validate(quota({ widgets: '1' })).map((c) => c.message), ['Invalid value: "widgets": must be a standard resource type or fully qualified', 'Invalid value: "widgets": must be a standard resource for quota']);
  assert.equal(resourceQuotaStrategy.validate(quota({ 'bad name': '1' })).length, 2);
});

test('Services: a type change wipes what the old type had and the update left as it was, as kube-apiserver does', () => {
  const old: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'ns' }, spec: { type: 'NodePort', clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster', ports: [{ port: 80, nodePort: 30080 }] } };
  const changed = (over: Record<string, unknown>): Record<string, unknown> => {
    const o = structuredClone(old);
    Object.assign(o.spec as object, over);
    serviceStrategy.finishUpdate!(o, old);
    return o.spec as Record<string, unknown>;
  };
  const toClusterIp = changed({ type: 'ClusterIP' });
  assert.deepEqual([toClusterIp.ports, toClusterIp.externalTrafficPolicy, toClusterIp.clusterIP], [[{ port: 80 }], undefined, '10.96.0.9']);
  assert.deepEqual(changed({ type: 'ClusterIP', ports: [{ port: 80, nodePort: 30081 }] }).ports, [{ port: 80, nodePort: 30081 }], 'a node port the update asks for stays (and validation refuses it)');
  assert.deepEqual(changed({ clusterIP: 'None' }).clusterIPs, ['None'], 'clusterIPs follow a changed clusterIP (and validation refuses the change)');
  const toExternalName = changed({ type: 'ExternalName', externalName: 'example.com' });
  assert.deepEqual([toExternalName.clusterIP, toExternalName.clusterIPs, toExternalName.ipFamilies, toExternalName.ipFamilyPolicy, toExternalName.internalTrafficPolicy], [undefined, undefined, undefined, undefined, undefined]);
});

test('object metadata as kube-apiserver validates it: generateName as a prefix, finalizer names in two passes', () => {
  const cm = (metadata: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'ns', ...metadata } });
  const fields = (o: KubeObject) => validateObjectMeta(o, 'dns1123Subdomain', true, true).map((c) => [c.field, c.message.split(':')[0]]);
  assert.deepEqual(fields(cm({ name: 'web-x1z2q', generateName: 'web-' })), [], 'a prefix may end in a dash');
  assert.deepEqual(fields(cm({ name: 'Bad_x1z2q', generateName: 'Bad_' })), [['metadata.generateName', 'Invalid value'], ['metadata.name', 'Invalid value']]);
  assert.deepEqual(fields(cm({ name: 'a', finalizers: ['bad finalizer', 'kubernetes', 'example.com/ok', 'plain'] })), [
    ['metadata.finalizers', 'Invalid value'],
    ['metadata.finalizers[0]', 'Invalid value'],
    ['metadata.finalizers[3]', 'Invalid value'],
  ]);
});

test('validation messages in kube-apiserver\'s words: priority classes, autoscalers, ingress classes, field selectors', () => {
  const messages = (causes: readonly { field?: string; message: string }[]) => causes.map((c) => `${c.field ?? ''}: ${c.message}`);
  const pc: KubeObject = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-mine' }, value: 1 };
  priorityClassStrategy.applyDefaults(pc);
  assert.deepEqual(messages(priorityClassStrategy.validate(pc)), ["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class"]);
  const hpa: KubeObject = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'ns' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, minReplicas: 0, maxReplicas: 2 } };
  assert.deepEqual(messages(hpaV2Strategy.validate(hpa)), ['spec.minReplicas: Invalid value: 0: must be greater than or equal to 1', 'spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas']);
  const ic = (controller: string): KubeObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'c' }, spec: { controller } });
  assert.deepEqual(messages(ingressClassStrategy.validate(ic('Not A Controller'))), ['spec.controller: Invalid value: "Not A Controller": must be a domain-prefixed path (such as "acme.io/foo")']);
  assert.deepEqual(ingressClassStrategy.validate(ic('example.com/ingress')), []);
  assert.throws(() => selectionPredicate({ fieldSelector: 'data.k=v' }, true, undefined), /"data.k" is not a known field selector: only "metadata.name", "metadata.namespace"/);
  assert.throws(() => selectionPredicate({ fieldSelector: 'spec.x=v' }, true, () => undefined), /field label not supported: spec.x/);
});
