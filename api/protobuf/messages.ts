/**
 * Decoding tables for the Kubernetes protobuf messages Kite accepts as request
 * bodies. Field numbers follow k8s.io/api and k8s.io/apimachinery generated.proto
 * (proto2); names are the JSON names from the Go `json:` tags.
 */

/** Value types with their own JSON rendering. */
/** `rawJson` is meta/v1 FieldsV1: a message whose field 1 holds JSON text. */
export type ScalarType = 'string' | 'bool' | 'int32' | 'int64' | 'bytes' | 'time' | 'intOrString' | 'quantity' | 'rawJson';

/** How one field of a message is decoded. */
export interface FieldSpec {
  /** JSON name of the field. */
  readonly name: string;
  /** A scalar type, or the name of a message in `messages`. */
  readonly type: ScalarType | string;
  /** A repeated field: rendered as a JSON array. */
  readonly isRepeated?: boolean;
  /** A map<string, V> field (V is `type`): rendered as a JSON object. */
  readonly isMap?: boolean;
  /** A Go pointer field: kept even when its value is zero (false, 0, "", {}). */
  readonly isPointer?: boolean;
  /** A Go embedded struct (`json:",inline"`): its fields are merged into the parent. */
  readonly isInline?: boolean;
}

/** A message: field number to spec. */
export type MessageSpec = Readonly<Record<number, FieldSpec>>;

const f = (name: string, type: string, more: Omit<FieldSpec, 'name' | 'type'> = {}): FieldSpec => ({ name, type, ...more });
const list = (name: string, type: string): FieldSpec => ({ name, type, isRepeated: true });
const map = (name: string, type: string): FieldSpec => ({ name, type, isMap: true });
const ptr = (name: string, type: string): FieldSpec => ({ name, type, isPointer: true });

/** Every message the decoder knows, by its short name. */
export const messages: Readonly<Record<string, MessageSpec>> = {
  // k8s.io/apimachinery/pkg/apis/meta/v1
  ObjectMeta: {
    1: f('name', 'string'), 2: f('generateName', 'string'), 3: f('namespace', 'string'), 4: f('selfLink', 'string'),
    5: f('uid', 'string'), 6: f('resourceVersion', 'string'), 7: f('generation', 'int64'), 8: f('creationTimestamp', 'time'),
    9: f('deletionTimestamp', 'time'), 10: ptr('deletionGracePeriodSeconds', 'int64'), 11: map('labels', 'string'), 12: map('annotations', 'string'),
    13: list('ownerReferences', 'OwnerReference'), 14: list('finalizers', 'string'), 17: list('managedFields', 'ManagedFieldsEntry'),
  },
  OwnerReference: { 5: f('apiVersion', 'string'), 1: f('kind', 'string'), 3: f('name', 'string'), 4: f('uid', 'string'), 6: ptr('controller', 'bool'), 7: ptr('blockOwnerDeletion', 'bool') },
  ManagedFieldsEntry: { 1: f('manager', 'string'), 2: f('operation', 'string'), 3: f('apiVersion', 'string'), 4: f('time', 'time'), 6: f('fieldsType', 'string'), 7: ptr('fieldsV1', 'rawJson'), 8: f('subresource', 'string') },
  LabelSelector: { 1: map('matchLabels', 'string'), 2: list('matchExpressions', 'LabelSelectorRequirement') },
  LabelSelectorRequirement: { 1: f('key', 'string'), 2: f('operator', 'string'), 3: list('values', 'string') },
  Condition: { 1: f('type', 'string'), 2: f('status', 'string'), 3: f('observedGeneration', 'int64'), 4: f('lastTransitionTime', 'time'), 5: f('reason', 'string'), 6: f('message', 'string') },
  DeleteOptions: { 1: ptr('gracePeriodSeconds', 'int64'), 2: ptr('preconditions', 'Preconditions'), 3: ptr('orphanDependents', 'bool'), 4: ptr('propagationPolicy', 'string'), 5: list('dryRun', 'string') },
  Preconditions: { 1: ptr('uid', 'string'), 2: ptr('resourceVersion', 'string') },

  // k8s.io/api/core/v1
  Namespace: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'NamespaceSpec'), 3: f('status', 'NamespaceStatus') },
  NamespaceSpec: { 1: list('finalizers', 'string') },
  NamespaceStatus: { 1: f('phase', 'string'), 2: list('conditions', 'NamespaceCondition') },
  NamespaceCondition: { 1: f('type', 'string'), 2: f('status', 'string'), 4: f('lastTransitionTime', 'time'), 5: f('reason', 'string'), 6: f('message', 'string') },
  ConfigMap: { 1: f('metadata', 'ObjectMeta'), 4: ptr('immutable', 'bool'), 2: map('data', 'string'), 3: map('binaryData', 'bytes') },
  Secret: { 1: f('metadata', 'ObjectMeta'), 5: ptr('immutable', 'bool'), 2: map('data', 'bytes'), 4: map('stringData', 'string'), 3: f('type', 'string') },
  ServiceAccount: { 1: f('metadata', 'ObjectMeta'), 2: list('secrets', 'ObjectReference'), 3: list('imagePullSecrets', 'LocalObjectReference'), 4: ptr('automountServiceAccountToken', 'bool') },
  ObjectReference: { 1: f('kind', 'string'), 2: f('namespace', 'string'), 3: f('name', 'string'), 4: f('uid', 'string'), 5: f('apiVersion', 'string'), 6: f('resourceVersion', 'string'), 7: f('fieldPath', 'string') },
  LocalObjectReference: { 1: f('name', 'string') },
  Service: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'ServiceSpec'), 3: f('status', 'ServiceStatus') },
  ServiceSpec: {
    1: list('ports', 'ServicePort'), 2: map('selector', 'string'), 3: f('clusterIP', 'string'), 18: list('clusterIPs', 'string'), 4: f('type', 'string'),
    5: list('externalIPs', 'string'), 7: f('sessionAffinity', 'string'), 8: f('loadBalancerIP', 'string'), 9: list('loadBalancerSourceRanges', 'string'),
    10: f('externalName', 'string'), 11: f('externalTrafficPolicy', 'string'), 12: f('healthCheckNodePort', 'int32'), 13: f('publishNotReadyAddresses', 'bool'),
    14: ptr('sessionAffinityConfig', 'SessionAffinityConfig'), 19: list('ipFamilies', 'string'), 17: ptr('ipFamilyPolicy', 'string'),
    20: ptr('allocateLoadBalancerNodePorts', 'bool'), 21: ptr('loadBalancerClass', 'string'), 22: ptr('internalTrafficPolicy', 'string'), 23: ptr('trafficDistribution', 'string'),
  },
  ServicePort: { 1: f('name', 'string'), 2: f('protocol', 'string'), 6: ptr('appProtocol', 'string'), 3: f('port', 'int32'), 4: f('targetPort', 'intOrString'), 5: f('nodePort', 'int32') },
  SessionAffinityConfig: { 1: ptr('clientIP', 'ClientIPConfig') },
  ClientIPConfig: { 1: ptr('timeoutSeconds', 'int32') },
  ServiceStatus: { 1: f('loadBalancer', 'LoadBalancerStatus'), 2: list('conditions', 'Condition') },
  LoadBalancerStatus: { 1: list('ingress', 'LoadBalancerIngress') },
  LoadBalancerIngress: { 1: f('ip', 'string'), 2: f('hostname', 'string'), 3: ptr('ipMode', 'string') },
  Pod: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'PodSpec'), 3: f('status', 'PodStatus') },
  PodTemplateSpec: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'PodSpec') },
  PodSpec: {
    20: list('initContainers', 'Container'), 2: list('containers', 'Container'), 3: f('restartPolicy', 'string'),
    4: ptr('terminationGracePeriodSeconds', 'int64'), 5: ptr('activeDeadlineSeconds', 'int64'), 6: f('dnsPolicy', 'string'), 7: map('nodeSelector', 'string'),
    8: f('serviceAccountName', 'string'), 9: f('serviceAccount', 'string'), 21: ptr('automountServiceAccountToken', 'bool'), 10: f('nodeName', 'string'),
    11: f('hostNetwork', 'bool'), 12: f('hostPID', 'bool'), 13: f('hostIPC', 'bool'), 27: ptr('shareProcessNamespace', 'bool'), 14: ptr('securityContext', 'PodSecurityContext'),
    15: list('imagePullSecrets', 'LocalObjectReference'), 16: f('hostname', 'string'), 17: f('subdomain', 'string'), 19: f('schedulerName', 'string'),
    22: list('tolerations', 'Toleration'), 24: f('priorityClassName', 'string'), 25: ptr('priority', 'int32'), 29: ptr('runtimeClassName', 'string'),
    30: ptr('enableServiceLinks', 'bool'), 31: ptr('preemptionPolicy', 'string'), 35: ptr('setHostnameAsFQDN', 'bool'), 37: ptr('hostUsers', 'bool'),
  },
  Container: {
    1: f('name', 'string'), 2: f('image', 'string'), 3: list('command', 'string'), 4: list('args', 'string'), 5: f('workingDir', 'string'),
    6: list('ports', 'ContainerPort'), 19: list('envFrom', 'EnvFromSource'), 7: list('env', 'EnvVar'), 8: f('resources', 'ResourceRequirements'),
    9: list('volumeMounts', 'VolumeMount'), 13: f('terminationMessagePath', 'string'), 20: f('terminationMessagePolicy', 'string'), 14: f('imagePullPolicy', 'string'),
    15: ptr('securityContext', 'SecurityContext'), 16: f('stdin', 'bool'), 17: f('stdinOnce', 'bool'), 18: f('tty', 'bool'), 24: ptr('restartPolicy', 'string'),
  },
  ContainerPort: { 1: f('name', 'string'), 2: f('hostPort', 'int32'), 3: f('containerPort', 'int32'), 4: f('protocol', 'string'), 5: f('hostIP', 'string') },
  EnvFromSource: { 1: f('prefix', 'string'), 2: ptr('configMapRef', 'ConfigMapEnvSource'), 3: ptr('secretRef', 'SecretEnvSource') },
  ConfigMapEnvSource: { 1: f('localObjectReference', 'LocalObjectReference', { isInline: true }), 2: ptr('optional', 'bool') },
  SecretEnvSource: { 1: f('localObjectReference', 'LocalObjectReference', { isInline: true }), 2: ptr('optional', 'bool') },
  EnvVar: { 1: f('name', 'string'), 2: f('value', 'string'), 3: ptr('valueFrom', 'EnvVarSource') },
  EnvVarSource: { 1: ptr('fieldRef', 'ObjectFieldSelector'), 2: ptr('resourceFieldRef', 'ResourceFieldSelector'), 3: ptr('configMapKeyRef', 'ConfigMapKeySelector'), 4: ptr('secretKeyRef', 'SecretKeySelector') },
  ObjectFieldSelector: { 1: f('apiVersion', 'string'), 2: f('fieldPath', 'string') },
  ResourceFieldSelector: { 1: f('containerName', 'string'), 2: f('resource', 'string'), 3: f('divisor', 'quantity') },
  ConfigMapKeySelector: { 1: f('localObjectReference', 'LocalObjectReference', { isInline: true }), 2: f('key', 'string'), 3: ptr('optional', 'bool') },
  SecretKeySelector: { 1: f('localObjectReference', 'LocalObjectReference', { isInline: true }), 2: f('key', 'string'), 3: ptr('optional', 'bool') },
  ResourceRequirements: { 1: map('limits', 'quantity'), 2: map('requests', 'quantity') },
  VolumeMount: { 1: f('name', 'string'), 2: f('readOnly', 'bool'), 3: f('mountPath', 'string'), 4: f('subPath', 'string'), 5: ptr('mountPropagation', 'string'), 6: f('subPathExpr', 'string') },
  SecurityContext: {
    1: ptr('capabilities', 'Capabilities'), 2: ptr('privileged', 'bool'), 3: ptr('seLinuxOptions', 'SELinuxOptions'), 4: ptr('runAsUser', 'int64'), 8: ptr('runAsGroup', 'int64'),
    5: ptr('runAsNonRoot', 'bool'), 6: ptr('readOnlyRootFilesystem', 'bool'), 7: ptr('allowPrivilegeEscalation', 'bool'), 9: ptr('procMount', 'string'), 11: ptr('seccompProfile', 'SeccompProfile'),
  },
  PodSecurityContext: {
    1: ptr('seLinuxOptions', 'SELinuxOptions'), 2: ptr('runAsUser', 'int64'), 6: ptr('runAsGroup', 'int64'), 3: ptr('runAsNonRoot', 'bool'), 4: list('supplementalGroups', 'int64'),
    5: ptr('fsGroup', 'int64'), 7: list('sysctls', 'Sysctl'), 9: ptr('fsGroupChangePolicy', 'string'), 10: ptr('seccompProfile', 'SeccompProfile'),
  },
  Capabilities: { 1: list('add', 'string'), 2: list('drop', 'string') },
  SELinuxOptions: { 1: f('user', 'string'), 2: f('role', 'string'), 3: f('type', 'string'), 4: f('level', 'string') },
  SeccompProfile: { 1: f('type', 'string'), 2: ptr('localhostProfile', 'string') },
  Sysctl: { 1: f('name', 'string'), 2: f('value', 'string') },
  Toleration: { 1: f('key', 'string'), 2: f('operator', 'string'), 3: f('value', 'string'), 4: f('effect', 'string'), 5: ptr('tolerationSeconds', 'int64') },
  PodStatus: { 1: f('phase', 'string'), 3: f('message', 'string'), 4: f('reason', 'string'), 11: f('nominatedNodeName', 'string'), 5: f('hostIP', 'string'), 6: f('podIP', 'string'), 7: ptr('startTime', 'time'), 9: f('qosClass', 'string') },

  // k8s.io/api/apps/v1
  Deployment: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'DeploymentSpec'), 3: f('status', 'DeploymentStatus') },
  DeploymentSpec: {
    1: ptr('replicas', 'int32'), 2: ptr('selector', 'LabelSelector'), 3: f('template', 'PodTemplateSpec'), 4: f('strategy', 'DeploymentStrategy'),
    5: f('minReadySeconds', 'int32'), 6: ptr('revisionHistoryLimit', 'int32'), 7: f('paused', 'bool'), 9: ptr('progressDeadlineSeconds', 'int32'),
  },
  DeploymentStrategy: { 1: f('type', 'string'), 2: ptr('rollingUpdate', 'RollingUpdateDeployment') },
  RollingUpdateDeployment: { 1: ptr('maxUnavailable', 'intOrString'), 2: ptr('maxSurge', 'intOrString') },
  DeploymentStatus: {
    1: f('observedGeneration', 'int64'), 2: f('replicas', 'int32'), 3: f('updatedReplicas', 'int32'), 7: f('readyReplicas', 'int32'), 4: f('availableReplicas', 'int32'),
    5: f('unavailableReplicas', 'int32'), 6: list('conditions', 'DeploymentCondition'), 8: ptr('collisionCount', 'int32'),
  },
  DeploymentCondition: { 1: f('type', 'string'), 2: f('status', 'string'), 6: f('lastUpdateTime', 'time'), 7: f('lastTransitionTime', 'time'), 4: f('reason', 'string'), 5: f('message', 'string') },
  // k8s.io/api/rbac/v1 (kubectl create role/clusterrole/rolebinding/clusterrolebinding send these as protobuf)
  Role: { 1: f('metadata', 'ObjectMeta'), 2: list('rules', 'PolicyRule') },
  ClusterRole: { 1: f('metadata', 'ObjectMeta'), 2: list('rules', 'PolicyRule'), 3: ptr('aggregationRule', 'AggregationRule') },
  PolicyRule: { 1: list('verbs', 'string'), 2: list('apiGroups', 'string'), 3: list('resources', 'string'), 4: list('resourceNames', 'string'), 5: list('nonResourceURLs', 'string') },
  AggregationRule: { 1: list('clusterRoleSelectors', 'LabelSelector') },
  RoleBinding: { 1: f('metadata', 'ObjectMeta'), 2: list('subjects', 'Subject'), 3: f('roleRef', 'RoleRef') },
  Subject: { 1: f('kind', 'string'), 2: f('apiGroup', 'string'), 3: f('name', 'string'), 4: f('namespace', 'string') },
  RoleRef: { 1: f('apiGroup', 'string'), 2: f('kind', 'string'), 3: f('name', 'string') },
  // k8s.io/api/authorization/v1 (kubectl auth can-i sends these as protobuf)
  SelfSubjectAccessReview: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'SelfSubjectAccessReviewSpec'), 3: f('status', 'SubjectAccessReviewStatus') },
  SelfSubjectAccessReviewSpec: { 1: ptr('resourceAttributes', 'ResourceAttributes'), 2: ptr('nonResourceAttributes', 'NonResourceAttributes') },
  SubjectAccessReview: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'SubjectAccessReviewSpec'), 3: f('status', 'SubjectAccessReviewStatus') },
  SubjectAccessReviewSpec: {
    1: ptr('resourceAttributes', 'ResourceAttributes'), 2: ptr('nonResourceAttributes', 'NonResourceAttributes'), 3: f('user', 'string'), 4: list('groups', 'string'), 6: f('uid', 'string'),
  },
  ResourceAttributes: { 1: f('namespace', 'string'), 2: f('verb', 'string'), 3: f('group', 'string'), 4: f('version', 'string'), 5: f('resource', 'string'), 6: f('subresource', 'string'), 7: f('name', 'string') },
  NonResourceAttributes: { 1: f('path', 'string'), 2: f('verb', 'string') },
  SubjectAccessReviewStatus: { 1: f('allowed', 'bool'), 4: f('denied', 'bool'), 2: f('reason', 'string'), 3: f('evaluationError', 'string') },
  SelfSubjectRulesReview: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'SelfSubjectRulesReviewSpec'), 3: f('status', 'SubjectRulesReviewStatus') },
  SelfSubjectRulesReviewSpec: { 1: f('namespace', 'string') },
  SubjectRulesReviewStatus: { 1: list('resourceRules', 'ResourceRule'), 2: list('nonResourceRules', 'NonResourceRule'), 3: f('incomplete', 'bool'), 4: f('evaluationError', 'string') },
  ResourceRule: { 1: list('verbs', 'string'), 2: list('apiGroups', 'string'), 3: list('resources', 'string'), 4: list('resourceNames', 'string') },
  NonResourceRule: { 1: list('verbs', 'string'), 2: list('nonResourceURLs', 'string') },

  // k8s.io/api/authentication/v1 (kubectl create token sends a TokenRequest in protobuf)
  TokenRequest: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'TokenRequestSpec'), 3: f('status', 'TokenRequestStatus') },
  TokenRequestSpec: { 1: list('audiences', 'string'), 4: ptr('expirationSeconds', 'int64'), 3: ptr('boundObjectRef', 'BoundObjectReference') },
  BoundObjectReference: { 1: f('kind', 'string'), 2: f('apiVersion', 'string'), 3: f('name', 'string'), 4: f('uid', 'string') },
  TokenRequestStatus: { 1: f('token', 'string'), 2: f('expirationTimestamp', 'time') },
  TokenReview: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'TokenReviewSpec') },
  TokenReviewSpec: { 1: f('token', 'string'), 2: list('audiences', 'string') },
  // kubectl auth whoami sends an empty one; its status is the answer's, so a sent one is not read.
  SelfSubjectReview: { 1: f('metadata', 'ObjectMeta') },
};

/** The top-level message for each `apiVersion/kind` Kite decodes. */
export const rootMessages: Readonly<Record<string, string>> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/ServiceAccount': 'ServiceAccount',
  'v1/Service': 'Service',
  'v1/Pod': 'Pod',
  'apps/v1/Deployment': 'Deployment',
  'authentication.k8s.io/v1/TokenRequest': 'TokenRequest',
  'authentication.k8s.io/v1/TokenReview': 'TokenReview',
  'authentication.k8s.io/v1/SelfSubjectReview': 'SelfSubjectReview',
  'v1/DeleteOptions': 'DeleteOptions',
  'meta.k8s.io/v1/DeleteOptions': 'DeleteOptions',
  'rbac.authorization.k8s.io/v1/Role': 'Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'RoleBinding',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SubjectAccessReview': 'SubjectAccessReview',
  'authorization.k8s.io/v1/LocalSubjectAccessReview': 'SubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'SelfSubjectRulesReview',
};
