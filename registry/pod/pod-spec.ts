/**
 * Defaults and validation of a pod spec, shared by pods and every kind with a
 * pod template (deployments, replica sets, stateful sets, daemon sets, jobs,
 * cron jobs, replication controllers, pod templates). Kubernetes' rules for
 * the fields users set; the rest passes through as given.
 */
import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, child, field } from '../generic/base-strategy.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isConfigMapKey, isValidIp, isDns1123Label, isDns1123Subdomain, isEnvVarName, isValidPortName, isValidPortNum } from '../validation/names.js';
import { validateAnnotations, validateLabels } from '../validation/object-meta.js';
import { parseQuantity, quantityNumber, quantityText, roundUpToMilli, scaledValue } from '../../schemas/quantity.js';
import { containerResourceNameErrors } from '../validation/resource-names.js';

type Obj = Record<string, unknown>;

/** Kubernetes' image pull policy default: Always for :latest or no tag, IfNotPresent otherwise. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastPart = image.split('/').pop() ?? '';
  const colon = lastPart.indexOf(':');
  const tag = colon < 0 ? '' : lastPart.slice(colon + 1);
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(probe: unknown): void {
  const p = probe as Obj | undefined;
  if (p === undefined || p === null || typeof p !== 'object') return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  defaultHandler(p);
}

/** httpGet handlers (probes, lifecycle hooks): path / and scheme HTTP. */
function defaultHandler(h: Obj | undefined): void {
  const get = field(h, 'httpGet');
  if (get !== undefined) {
    get.path ??= '/';
    get.scheme ??= 'HTTP';
  }
}

function defaultEnv(env: unknown): void {
  for (const e of arrayOf(env)) {
    const ref = field(field(e, 'valueFrom'), 'fieldRef');
    if (ref !== undefined) ref.apiVersion ??= 'v1';
  }
}

function defaultContainer(c: Obj, hostNetwork: boolean): void {
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  if (typeof c.image === 'string') c.imagePullPolicy ??= defaultPullPolicy(c.image);
  for (const p of arrayOf(c.ports)) {
    p.protocol ??= 'TCP';
    if (hostNetwork && p.hostPort === undefined) p.hostPort = p.containerPort;
  }
  defaultEnv(c.env);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  const lifecycle = field(c, 'lifecycle');
  defaultHandler(field(lifecycle, 'postStart'));
  defaultHandler(field(lifecycle, 'preStop'));
}

function defaultVolumes(volumes: unknown): void {
  for (const v of arrayOf(volumes)) {
    for (const kind of ['configMap', 'secret', 'downwardAPI', 'projected']) {
      const source = field(v, kind);
      if (source !== undefined) source.defaultMode ??= 420;
    }
    for (const item of arrayOf(field(v, 'downwardAPI')?.items)) {
      const ref = field(item, 'fieldRef');
      if (ref !== undefined) ref.apiVersion ??= 'v1';
    }
    const hostPath = field(v, 'hostPath');
    if (hostPath !== undefined) hostPath.type ??= '';
    const iscsi = field(v, 'iscsi');
    if (iscsi !== undefined) iscsi.iscsiInterface ??= 'default';
    const rbd = field(v, 'rbd');
    if (rbd !== undefined) {
      rbd.pool ??= 'rbd';
      rbd.user ??= 'admin';
      rbd.keyring ??= '/etc/ceph/keyring';
    }
    const azureDisk = field(v, 'azureDisk');
    if (azureDisk !== undefined) {
      azureDisk.cachingMode ??= 'ReadWrite';
      azureDisk.fsType ??= 'ext4';
      azureDisk.readOnly ??= false;
      azureDisk.kind ??= 'Shared';
    }
  }
}

/** Defaults of a pod spec (also a template's). */
export function defaultPodSpec(spec: Obj): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  if (typeof spec.serviceAccount === 'string' && spec.serviceAccount !== '' && (spec.serviceAccountName === undefined || spec.serviceAccountName === '')) {
    spec.serviceAccountName = spec.serviceAccount;
  }
  const hostNetwork = spec.hostNetwork === true;
  for (const c of [...arrayOf(spec.containers), ...arrayOf(spec.initContainers)]) defaultContainer(c, hostNetwork);
  for (const c of arrayOf(spec.ephemeralContainers)) {
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    if (typeof c.image === 'string') c.imagePullPolicy ??= defaultPullPolicy(c.image);
  }
  defaultVolumes(spec.volumes);
}

/** Defaults only a pod (not a template) gets: requests from limits, service links. */
export function defaultPod(spec: Obj): void {
  spec.enableServiceLinks ??= true;
  for (const c of [...arrayOf(spec.containers), ...arrayOf(spec.initContainers)]) {
    const resources = field(c, 'resources');
    const limits = field(resources, 'limits');
    if (resources === undefined || limits === undefined) continue;
    const requests = child(resources, 'requests');
    for (const [name, q] of Object.entries(limits)) requests[name] ??= q;
  }
}

/** Defaults of a pod template (metadata and spec). */
export function defaultPodTemplate(template: Obj): void {
  child(template, 'metadata');
  defaultPodSpec(child(template, 'spec'));
}

const restartPolicies = ['Always', 'OnFailure', 'Never'];
const nodeSelectorOperators = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];
const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const pullPolicies = ['Always', 'IfNotPresent', 'Never'];
const protocols = ['SCTP', 'TCP', 'UDP'];
const terminationMessagePolicies = ['File', 'FallbackToLogsOnError'];

function validatePorts(ports: unknown, at: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const names = new Set<string>();
  arrayOf(ports).forEach((p, i) => {
    const path = `${at}.ports[${i}]`;
    if (typeof p.name === 'string' && p.name !== '') {
      for (const m of isValidPortName(p.name)) causes.push(fieldErrors.invalid(`${path}.name`, p.name, m));
      if (names.has(p.name)) causes.push(fieldErrors.duplicate(`${path}.name`, p.name));
      names.add(p.name);
    }
    if (p.containerPort === undefined || p.containerPort === 0) causes.push(fieldErrors.required(`${path}.containerPort`));
    else for (const m of isValidPortNum(Number(p.containerPort))) causes.push(fieldErrors.invalid(`${path}.containerPort`, p.containerPort, m));
    if (p.hostPort !== undefined && p.hostPort !== 0) for (const m of isValidPortNum(Number(p.hostPort))) causes.push(fieldErrors.invalid(`${path}.hostPort`, p.hostPort, m));
    if (p.protocol === undefined || p.protocol === '') causes.push(fieldErrors.required(`${path}.protocol`));
    else if (!protocols.includes(String(p.protocol))) causes.push(fieldErrors.notSupported(`${path}.protocol`, p.protocol, protocols));
  });
  return causes;
}

/** The pod fields an environment variable can take its value from. */
const envFieldPaths = new Set(['metadata.name', 'metadata.namespace', 'metadata.uid', 'metadata.labels', 'metadata.annotations', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.podIP', 'status.podIPs']);

function validateEnv(env: unknown, at: string): StatusCause[] {
  const causes: StatusCause[] = [];
  arrayOf(env).forEach((e, i) => {
    const path = `${at}.env[${i}]`;
    const name = typeof e.name === 'string' ? e.name : '';
    if (name === '') causes.push(fieldErrors.required(`${path}.name`));
    else for (const m of isEnvVarName(name)) causes.push(fieldErrors.invalid(`${path}.name`, name, m));
    const from = field(e, 'valueFrom');
    if (from !== undefined) {
      const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((k) => from[k] !== undefined);
      if (sources.length === 0) causes.push(fieldErrors.invalid(`${path}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
      if (typeof e.value === 'string' && e.value !== '') causes.push(fieldErrors.invalid(`${path}.valueFrom`, '', 'may not be specified when `value` is not empty'));
      const fieldRef = field(from, 'fieldRef');
      if (fieldRef !== undefined) {
        const fp = String(fieldRef.fieldPath ?? '');
        if (fp === '') causes.push(fieldErrors.required(`${path}.valueFrom.fieldRef.fieldPath`));
        else if (!envFieldPaths.has(fp) && !/^metadata\.(labels|annotations)\['[^']+'\]$/.test(fp)) {
          causes.push(fieldErrors.invalid(`${path}.valueFrom.fieldRef.fieldPath`, fp, `error converting fieldPath: field label not supported: ${fp}`));
        }
      }
      for (const k of ['configMapKeyRef', 'secretKeyRef']) {
        const ref = field(from, k);
        if (ref === undefined) continue;
        const key = String(ref.key ?? '');
        if (key === '') causes.push(fieldErrors.required(`${path}.valueFrom.${k}.key`));
        else for (const m of isConfigMapKey(key)) causes.push(fieldErrors.invalid(`${path}.valueFrom.${k}.key`, key, m));
      }
    }
  });
  return causes;
}

/** Go's %#v of a core.Toleration (tolerationSeconds is a pointer: Go prints its address, which cannot be known). */
function goToleration(t: Obj): string {
  const text = (x: unknown): string => JSON.stringify(typeof x === 'string' ? x : '');
  const seconds = typeof t.tolerationSeconds === 'number' ? '(*int64)(0xc000000000)' : '(*int64)(nil)';
  return `core.Toleration{Key:${text(t.key)}, Operator:${text(t.operator)}, Value:${text(t.value)}, Effect:${text(t.effect)}, TolerationSeconds:${seconds}}`;
}

/** A hugepages-<size> amount must be a whole, positive number of pages (in whole units, rounded up, as Go's Value()). */
function hugePagesError(name: string, value: unknown): { text: string; message: string } | undefined {
  if (!name.startsWith('hugepages-')) return undefined;
  const q = parseQuantity(value);
  const page = parseQuantity(name.slice('hugepages-'.length));
  if (q === undefined) return undefined;
  const amount = scaledValue(q, 0);
  const size = page === undefined ? 0n : scaledValue(page, 0);
  if (amount > 0n && size > 0n && amount % size === 0n) return undefined;
  const text = quantityText(roundUpToMilli(q));
  return { text, message: `${text} is not positive integer multiple of ${name}` };
}

function validateResources(resources: unknown, at: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const r = resources as Obj | undefined;
  const limits = field(r, 'limits') ?? {};
  const requests = field(r, 'requests') ?? {};
  for (const [kind, map] of [
    ['limits', limits],
    ['requests', requests],
  ] as const) {
    for (const name of Object.keys(map)) causes.push(...containerResourceNameErrors(name, `${at}.resources.${kind}[${name}]`));
  }
  for (const [name, value] of Object.entries(requests)) {
    const limit = limits[name];
    if (limit !== undefined && quantityNumber(value) > quantityNumber(limit)) {
      causes.push(fieldErrors.invalid(`${at}.resources.requests`, value, `must be less than or equal to ${name} limit`));
    }
  }
  for (const [kind, map] of [
    ['limits', limits],
    ['requests', requests],
  ] as const) {
    for (const [name, value] of Object.entries(map)) {
      if (quantityNumber(value) < 0) causes.push(fieldErrors.invalid(`${at}.resources.${kind}[${name}]`, value, 'must be greater than or equal to 0'));
      const hugePages = hugePagesError(name, value);
      if (hugePages !== undefined) causes.push(fieldErrors.invalid(`${at}.resources.${kind}[${name}]`, hugePages.text, hugePages.message));
    }
  }
  return causes;
}

function validateProbe(probe: unknown, path: string): StatusCause[] {
  const p = probe as Obj | undefined;
  if (p === undefined || p === null || typeof p !== 'object') return [];
  const handlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'].filter((k) => p[k] !== undefined);
  const causes: StatusCause[] = [];
  if (handlers.length === 0) causes.push(fieldErrors.required(path, 'must specify a handler type'));
  else if (handlers.length > 1) causes.push(fieldErrors.forbidden(`${path}.${handlers[1]}`, 'may not specify more than 1 handler type'));
  for (const h of ['httpGet', 'tcpSocket']) {
    const port = field(p, h)?.port;
    if (typeof port === 'string') for (const m of isValidPortName(port)) causes.push(fieldErrors.invalid(`${path}.${h}.port`, port, m));
    else if (typeof port === 'number') for (const m of isValidPortNum(port)) causes.push(fieldErrors.invalid(`${path}.${h}.port`, port, m));
  }
  for (const k of ['timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold', 'initialDelaySeconds']) {
    const v = p[k];
    if (typeof v === 'number' && v < 0) causes.push(fieldErrors.invalid(`${path}.${k}`, v, 'must be greater than or equal to 0'));
  }
  return causes;
}

/** A container's field errors; probes are checked on regular containers, refused on init containers, left to the allow list on ephemeral ones. */
function validateContainer(c: Obj, at: string, volumes: ReadonlySet<string>, kind: 'regular' | 'init' | 'ephemeral'): StatusCause[] {
  const causes: StatusCause[] = [];
  if (typeof c.image !== 'string' || c.image.trim() === '') causes.push(fieldErrors.required(`${at}.image`));
  else if (c.image !== c.image.trim()) causes.push(fieldErrors.invalid(`${at}.image`, c.image, 'must not have leading or trailing whitespace'));
  if (c.imagePullPolicy !== undefined && !pullPolicies.includes(String(c.imagePullPolicy))) causes.push(fieldErrors.notSupported(`${at}.imagePullPolicy`, c.imagePullPolicy, pullPolicies));
  if (c.terminationMessagePolicy !== undefined && !terminationMessagePolicies.includes(String(c.terminationMessagePolicy))) {
    causes.push(fieldErrors.notSupported(`${at}.terminationMessagePolicy`, c.terminationMessagePolicy, terminationMessagePolicies));
  }
  causes.push(...validatePorts(c.ports, at), ...validateEnv(c.env, at), ...validateResources(c.resources, at));
  const mountPaths = new Set<string>();
  arrayOf(c.volumeMounts).forEach((vm, i) => {
    const path = `${at}.volumeMounts[${i}]`;
    const name = String(vm.name ?? '');
    if (name === '') causes.push(fieldErrors.required(`${path}.name`));
    else if (!volumes.has(name)) causes.push(fieldErrors.notFound(`${path}.name`, name));
    const mountPath = String(vm.mountPath ?? '');
    if (mountPath === '') causes.push(fieldErrors.required(`${path}.mountPath`));
    else if (mountPaths.has(mountPath)) causes.push(fieldErrors.invalid(`${path}.mountPath`, mountPath, 'must be unique'));
    mountPaths.add(mountPath);
  });
  if (kind === 'init') {
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      if (c[probe] !== undefined) causes.push(fieldErrors.forbidden(`${at}.${probe}`, `may not be set for init containers`));
    }
  } else if (kind === 'regular') {
    causes.push(...validateProbe(c.livenessProbe, `${at}.livenessProbe`), ...validateProbe(c.readinessProbe, `${at}.readinessProbe`), ...validateProbe(c.startupProbe, `${at}.startupProbe`));
    const liveness = field(c, 'livenessProbe');
    if (liveness !== undefined && liveness.successThreshold !== undefined && liveness.successThreshold !== 1) {
      causes.push(fieldErrors.invalid(`${at}.livenessProbe.successThreshold`, liveness.successThreshold, 'must be 1'));
    }
  }
  return causes;
}

const volumeSources = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs', 'persistentVolumeClaim', 'rbd',
  'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk',
  'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral',
];

function validateVolumes(volumes: unknown, path: string): { causes: StatusCause[]; names: Set<string> } {
  const causes: StatusCause[] = [];
  const names = new Set<string>();
  arrayOf(volumes).forEach((v, i) => {
    const at = `${path}[${i}]`;
    const name = String(v.name ?? '');
    if (name === '') causes.push(fieldErrors.required(`${at}.name`));
    else {
      for (const m of isDns1123Label(name)) causes.push(fieldErrors.invalid(`${at}.name`, name, m));
      if (names.has(name)) causes.push(fieldErrors.duplicate(`${at}.name`, name));
    }
    names.add(name);
    const sources = volumeSources.filter((s) => v[s] !== undefined);
    if (sources.length === 0) causes.push(fieldErrors.required(at, 'must specify a volume type'));
    else if (sources.length > 1) causes.push(fieldErrors.forbidden(`${at}.${sources[1]}`, 'may not specify more than 1 volume type'));
    const cm = field(v, 'configMap');
    if (cm !== undefined && (cm.name === undefined || cm.name === '')) causes.push(fieldErrors.required(`${at}.configMap.name`));
    const secret = field(v, 'secret');
    if (secret !== undefined && (secret.secretName === undefined || secret.secretName === '')) causes.push(fieldErrors.required(`${at}.secret.secretName`));
    const pvc = field(v, 'persistentVolumeClaim');
    if (pvc !== undefined && (pvc.claimName === undefined || pvc.claimName === '')) causes.push(fieldErrors.required(`${at}.persistentVolumeClaim.claimName`));
    const hostPath = field(v, 'hostPath');
    if (hostPath !== undefined && (hostPath.path === undefined || hostPath.path === '')) causes.push(fieldErrors.required(`${at}.hostPath.path`));
  });
  return { causes, names };
}

/** Causes of a list of tolerations at path (pods' spec.tolerations, runtime classes' scheduling). */
export function validateTolerations(tolerations: unknown, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  arrayOf(tolerations).forEach((t, i) => {
    const at = `${path}[${i}]`;
    const op = t.operator ?? 'Equal';
    if (op !== 'Equal' && op !== 'Exists') causes.push(fieldErrors.notSupported(`${at}.operator`, op, ['Equal', 'Exists']));
    if (op === 'Exists' && typeof t.value === 'string' && t.value !== '') causes.push(fieldErrors.invalidPrinted(`${at}.operator`, goToleration(t), 'value must be empty when `operator` is \'Exists\''));
    const effects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
    if (t.effect !== undefined && t.effect !== '' && !effects.includes(String(t.effect))) causes.push(fieldErrors.notSupported(`${at}.effect`, t.effect, effects));
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') causes.push(fieldErrors.invalid(`${at}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
  });
  return causes;
}

/** A container's name: required, and a DNS label. */
function containerNameCauses(name: string, at: string): StatusCause[] {
  if (name === '') return [fieldErrors.required(`${at}.name`)];
  return isDns1123Label(name).map((m) => fieldErrors.invalid(`${at}.name`, name, m));
}

/**
 * Container fields an ephemeral container may not have, in the order of Go's struct:
 * those it shares with containers that would make the pod rely on it (ports, resources,
 * probes, lifecycle). Go checks each field for its zero value: a struct (resources) that
 * is empty is zero; a list or a pointer that is present is not.
 */
const ephemeralForbidden: readonly [string, 'struct' | 'set'][] = [
  ['ports', 'set'],
  ['resources', 'struct'],
  ['resizePolicy', 'set'],
  ['livenessProbe', 'set'],
  ['readinessProbe', 'set'],
  ['startupProbe', 'set'],
  ['lifecycle', 'set'],
];

/** The field errors of spec.ephemeralContainers: each as a container, named uniquely, targeting a container there is, and without the fields it may not have. */
function validateEphemeralContainers(spec: Obj, path: string, volumes: ReadonlySet<string>): StatusCause[] {
  const causes: StatusCause[] = [];
  const others = new Set([...arrayOf(spec.containers), ...arrayOf(spec.initContainers)].map((c) => String(c.name ?? '')));
  const all = new Set(others);
  arrayOf(spec.ephemeralContainers).forEach((c, i) => {
    const at = `${path}.ephemeralContainers[${i}]`;
    const name = typeof c.name === 'string' ? c.name : '';
    causes.push(...containerNameCauses(name, at), ...validateContainer(c, at, volumes, 'ephemeral'));
    if (all.has(name)) causes.push(fieldErrors.duplicate(`${at}.name`, name));
    else all.add(name);
    const target = typeof c.targetContainerName === 'string' ? c.targetContainerName : '';
    if (target !== '' && !others.has(target)) causes.push(fieldErrors.notFound(`${at}.targetContainerName`, target));
    for (const [key, kind] of ephemeralForbidden) {
      const v = c[key];
      const zero = v === undefined || v === null || (kind === 'struct' && typeof v === 'object' && Object.values(v).every((x) => x === undefined || x === null));
      if (!zero) causes.push(fieldErrors.forbidden(`${at}.${key}`, 'cannot be set for an Ephemeral Container'));
    }
    arrayOf(c.volumeMounts).forEach((vm, j) => {
      for (const key of ['subPath', 'subPathExpr']) {
        if (typeof vm[key] === 'string' && vm[key] !== '') causes.push(fieldErrors.forbidden(`${at}.volumeMounts[${j}].${key}`, 'cannot be set for an Ephemeral Container'));
      }
    });
  });
  return causes;
}

/** Field errors of a pod spec at path. */
export function validatePodSpec(spec: Obj, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const { causes: volumeCauses, names: volumes } = validateVolumes(spec.volumes, `${path}.volumes`);
  causes.push(...volumeCauses);
  const containers = arrayOf(spec.containers);
  if (containers.length === 0) causes.push(fieldErrors.required(`${path}.containers`));
  const seen = new Set<string>();
  // Containers first, then init containers against all names so far, as Kubernetes checks them.
  for (const [list, cs, isInit] of [
    ['containers', containers, false],
    ['initContainers', arrayOf(spec.initContainers), true],
  ] as const) {
    cs.forEach((c, i) => {
      const at = `${path}.${list}[${i}]`;
      const name = typeof c.name === 'string' ? c.name : '';
      causes.push(...containerNameCauses(name, at));
      if (name !== '' && seen.has(name)) causes.push(fieldErrors.duplicate(`${at}.name`, name));
      seen.add(name);
      causes.push(...validateContainer(c, at, volumes, isInit ? 'init' : 'regular'));
    });
  }
  causes.push(...validateEphemeralContainers(spec, path, volumes));
  if (spec.restartPolicy !== undefined && !restartPolicies.includes(String(spec.restartPolicy))) causes.push(fieldErrors.notSupported(`${path}.restartPolicy`, spec.restartPolicy, restartPolicies));
  if (spec.dnsPolicy !== undefined && !dnsPolicies.includes(String(spec.dnsPolicy))) causes.push(fieldErrors.notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, dnsPolicies));
  // A negative terminationGracePeriodSeconds is accepted and kept, as kube-apiserver 1.26 keeps it.
  if (typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds <= 0) {
    causes.push(fieldErrors.invalid(`${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, 'must be between 1 and 2147483647, inclusive'));
  }
  for (const k of ['serviceAccountName', 'nodeName', 'priorityClassName', 'hostname', 'subdomain'] as const) {
    const v = spec[k];
    if (typeof v !== 'string' || v === '') continue;
    const check = k === 'hostname' || k === 'subdomain' ? isDns1123Label : isDns1123Subdomain;
    for (const m of check(v)) causes.push(fieldErrors.invalid(`${path}.${k}`, v, m));
  }
  if (spec.hostNetwork === true) {
    for (const [list, cs] of [
      ['initContainers', arrayOf(spec.initContainers)],
      ['containers', containers],
    ] as const) {
      cs.forEach((c, i) =>
        arrayOf(c.ports).forEach((p, j) => {
          if (p.hostPort !== undefined && p.hostPort !== p.containerPort) causes.push(fieldErrors.invalid(`${path}.${list}[${i}].ports[${j}].containerPort`, p.containerPort, 'must match `hostPort` when `hostNetwork` is true'));
        }),
      );
    }
  }
  const securityContext = field(spec, 'securityContext') ?? {};
  for (const id of ['runAsUser', 'runAsGroup', 'fsGroup']) {
    const v = securityContext[id];
    if (typeof v === 'number' && (v < 0 || v > 2147483647)) causes.push(fieldErrors.invalid(`${path}.securityContext.${id}`, v, 'must be between 0 and 2147483647, inclusive'));
  }
  const required = field(field(field(spec, 'affinity'), 'nodeAffinity'), 'requiredDuringSchedulingIgnoredDuringExecution');
  arrayOf(required?.nodeSelectorTerms).forEach((term, i) => {
    for (const list of ['matchExpressions', 'matchFields']) {
      arrayOf(term[list]).forEach((e, j) => {
        if (!nodeSelectorOperators.includes(String(e.operator))) {
          causes.push(fieldErrors.invalid(`${path}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${i}].${list}[${j}].operator`, e.operator ?? '', 'not a valid selector operator'));
        }
      });
    }
  });
  causes.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  causes.push(...validateTolerations(spec.tolerations, `${path}.tolerations`));
  return causes;
}

/** Field errors of a pod template at path (spec.template): its labels, annotations and spec. */
export function validatePodTemplate(template: Obj | undefined, path: string): StatusCause[] {
  if (template === undefined) return [fieldErrors.required(path)];
  const metadata = field(template, 'metadata') ?? {};
  // kube-apiserver reports a template's label and annotation keys at template.labels and template.annotations.
  const causes = [...validateLabels(metadata.labels, `${path}.labels`), ...validateAnnotations(metadata.annotations, `${path}.annotations`)];
  causes.push(...validatePodSpec(field(template, 'spec') ?? {}, `${path}.spec`));
  return causes;
}

/** Causes of a pod status: its IPs are IPs. */
export function validatePodStatus(status: Obj | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  arrayOf(status?.podIPs).forEach((p, i) => {
    for (const m of isValidIp(String(p.ip ?? ''))) causes.push(fieldErrors.invalid(`status.podIPs[${i}]`, p.ip ?? '', m));
  });
  return causes;
}

/** A ConfigMap or Secret key check (keys of data maps), shared by those kinds. */
export function validateDataKeys(maps: Readonly<Record<string, unknown>>): StatusCause[] {
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  for (const [fieldName, map] of Object.entries(maps)) {
    if (map === undefined || map === null || typeof map !== 'object') continue;
    for (const key of Object.keys(map)) {
      for (const m of isConfigMapKey(key)) causes.push(fieldErrors.invalid(`${fieldName}[${key}]`, key, m));
      // Named at the first map's key (data[k]), as Kubernetes does.
      if (seen.has(key)) causes.push(fieldErrors.invalid(`${Object.keys(maps)[0]}[${key}]`, key, 'duplicate of key present in binaryData'));
      seen.add(key);
    }
  }
  return causes;
}

