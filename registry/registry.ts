/**
 * The registry the API server serves: a store per built-in resource on one
 * ObjectStorage, the admission chain they share, and the objects
 * kube-apiserver creates at start (system namespaces, priority classes, the
 * bootstrap RBAC policy, the kubernetes service). Controllers run beside it (registry/controllers).
 */
import { isDeepStrictEqual } from 'node:util';
import type { JsonObject } from '../schemas/json.js';
import type { StoreClient } from '../storage/client/store-client.js';
import { AdmissionChain, type AdmissionPlugin } from './admission/admission.js';
import { registryLookup } from './admission/lookup.js';
import { namespaceLifecycle } from './admission/namespace-lifecycle.js';
import { defaultIngressClass, defaultStorageClass, defaultTolerationSeconds, limitRanger, priority, storageObjectInUseProtection, taintNodesByCondition } from './admission/pod-defaults.js';
import { runtimeClass } from './admission/runtime-class.js';
import { serviceAccount } from './admission/service-account.js';
import { configMapStrategy } from './configmap/strategy.js';
import { controllerRevisionStrategy } from './controllerrevision/strategy.js';
import { cronJobStrategy } from './cronjob/strategy.js';
import { stderrLog } from './controllers/work-queue.js';
import { CrdController } from './customresourcedefinition/crd-controller.js';
import { customResourceDefinitionStrategy } from './customresourcedefinition/strategy.js';
import { csiDriverStrategy } from './csidriver/strategy.js';
import { csiNodeStrategy } from './csinode/strategy.js';
import { csiStorageCapacityStrategy, csiStorageCapacityV1beta1Strategy } from './csistoragecapacity/strategy.js';
import { daemonSetStrategy } from './daemonset/strategy.js';
import { deploymentStrategy } from './deployment/strategy.js';
import { endpointsStrategy } from './endpoints/strategy.js';
import { endpointSliceStrategy } from './endpointslice/strategy.js';
import { eventStrategy, eventTtlSeconds } from './event/strategy.js';
import { eventsV1Strategy } from './events-v1/strategy.js';
import { ApiError } from './generic/api-error.js';
import { arrayOf, child, resourceInfo } from './generic/base-strategy.js';
import { ComponentStatusStore, componentStatusesInfo, type ComponentProbe } from './componentstatus/component-statuses.js';
import { CreateOnlyStore } from './generic/create-only-store.js';
import { GenericStore, type GenericStoreOptions } from './generic/generic-store.js';
import type { Registry, ResourceStore } from './generic/resource-store.js';
import type { Strategy } from './generic/strategy.js';
import { resourceId, type KubeObject, type ResourceInfo } from './generic/types.js';
import { hpaV1Strategy, hpaV2Strategy } from './horizontalpodautoscaler/strategy.js';
import { ingressStrategy } from './ingress/strategy.js';
import { ingressClassStrategy } from './ingressclass/strategy.js';
import { jobStrategy } from './job/strategy.js';
import { leaseStrategy } from './lease/strategy.js';
import { limitRangeStrategy } from './limitrange/strategy.js';
import { namespaceStrategy } from './namespace/strategy.js';
import { networkPolicyStrategy } from './networkpolicy/strategy.js';
import { nodeStrategy } from './node/strategy.js';
import { persistentVolumeStrategy } from './persistentvolume/strategy.js';
import { persistentVolumeClaimStrategy } from './persistentvolumeclaim/strategy.js';
import { podStrategy } from './pod/strategy.js';
import { bindPod, podSubresources } from './pod/pod-subresources.js';
import { podConnectSubresources } from './pod/pod-connect.js';
import { nodeProxy } from './node/node-proxy.js';
import { serviceProxy } from './service/service-proxy.js';
import { podDisruptionBudgetStrategy } from './poddisruptionbudget/strategy.js';
import { podTemplateStrategy } from './podtemplate/strategy.js';
import { priorityClassStrategy, systemPriorityClasses } from './priorityclass/strategy.js';
import { replicaSetStrategy } from './replicaset/strategy.js';
import { replicationControllerStrategy } from './replicationcontroller/strategy.js';
import { accessReviewStores, localSubjectAccessReviewInfo, selfSubjectAccessReviewInfo, selfSubjectRulesReviewInfo, subjectAccessReviewInfo } from './accessreview/access-reviews.js';
import type { AccessAuthorizer } from './rbac/access.js';
import { reconcileBootstrapPolicy } from './rbac/bootstrap-policy.js';
import { rbacEscalation } from './rbac/escalation.js';
import { RbacRuleResolver } from './rbac/rule-resolver.js';
import { clusterRoleBindingStrategy, clusterRoleStrategy, rbacStrategies, roleBindingStrategy, roleStrategy } from './rbac/strategy.js';
import { ResourceRegistry } from './resource-registry.js';
import { resourceQuotaStrategy } from './resourcequota/strategy.js';
import { runtimeClassStrategy } from './runtimeclass/strategy.js';
import { secretStrategy } from './secret/strategy.js';
import { ServiceAllocation } from './service/allocation.js';
import { serviceStrategy } from './service/strategy.js';
import { CachedObjectLookup } from './serviceaccount/bound-object-lookup.js';
import { ServiceAccountTokens, type ServiceAccountTokensOptions } from './serviceaccount/service-account-tokens.js';
import { serviceAccountStrategy } from './serviceaccount/strategy.js';
import { tokenSubresource } from './serviceaccount/token-request.js';
import { selfSubjectReviewsInfo, selfSubjectReviewStore } from './selfsubjectreview/self-subject-review.js';
import { tokenReviewsInfo, tokenReviewStore, type TokenReviewer } from './tokenreview/token-review.js';
import { statefulSetStrategy } from './statefulset/strategy.js';
import { CachedObjectStorage, type CachedStorageOptions } from './cache/cached-storage.js';
import { EtcdObjectStorage } from './storage/etcd-object-storage.js';
import type { ObjectStorage } from './storage/object-storage.js';
import { storageClassStrategy } from './storageclass/strategy.js';
import { volumeAttachmentStrategy } from './volumeattachment/strategy.js';

/** Every built-in resource Kite serves, in discovery order (namespaces first). */
export const builtinStrategies: readonly Strategy[] = [
  namespaceStrategy,
  configMapStrategy,
  endpointsStrategy,
  eventStrategy,
  limitRangeStrategy,
  nodeStrategy,
  persistentVolumeClaimStrategy,
  persistentVolumeStrategy,
  podStrategy,
  podTemplateStrategy,
  replicationControllerStrategy,
  resourceQuotaStrategy,
  secretStrategy,
  serviceAccountStrategy,
  serviceStrategy,
  controllerRevisionStrategy,
  daemonSetStrategy,
  deploymentStrategy,
  replicaSetStrategy,
  statefulSetStrategy,
  hpaV2Strategy,
  hpaV1Strategy,
  cronJobStrategy,
  jobStrategy,
  leaseStrategy,
  endpointSliceStrategy,
  eventsV1Strategy,
  ingressClassStrategy,
  ingressStrategy,
  networkPolicyStrategy,
  runtimeClassStrategy,
  podDisruptionBudgetStrategy,
  ...rbacStrategies,
  priorityClassStrategy,
  csiDriverStrategy,
  csiNodeStrategy,
  csiStorageCapacityStrategy,
  csiStorageCapacityV1beta1Strategy,
  storageClassStrategy,
  volumeAttachmentStrategy,
  customResourceDefinitionStrategy,
];

/** The namespaces kube-apiserver creates at start. */
export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

/** bindings (v1): POST-only, binds the pod of the same name. */
const bindingsInfo: ResourceInfo = resourceInfo({ group: '', version: 'v1', resource: 'bindings', singular: 'binding', kind: 'Binding', listKind: 'BindingList', namespaced: true, verbs: ['create'] });

/** The authorization.k8s.io reviews (POST-only, answered by the authorizer, never stored). */
const accessReviewInfos: readonly ResourceInfo[] = [localSubjectAccessReviewInfo, selfSubjectAccessReviewInfo, selfSubjectRulesReviewInfo, subjectAccessReviewInfo];

/** Every built-in resource's info, bindings, reviews, tokenreviews, selfsubjectreviews and componentstatuses included: what Kite serves before any custom resource. */
export function builtinResourceInfos(): ResourceInfo[] {
  return [...builtinStrategies.map((s) => s.info), bindingsInfo, ...accessReviewInfos, tokenReviewsInfo, selfSubjectReviewsInfo, componentStatusesInfo];
}

/** Options of a KiteRegistry. */
export interface KiteRegistryOptions {
  /** The clock (creationTimestamp, deletionTimestamp, AGE). */
  readonly now?: () => Date;
  /** How often a watch with allowWatchBookmarks asks the store for progress (ms). */
  readonly bookmarkIntervalMs?: number;
  /** How many conflicts a guaranteed update retries before giving up. */
  readonly maxRetries?: number;
  /**
   * Whether lists and watches are served from a watch cache per resource
   * (kube-apiserver's --watch-cache; on by default), and how it is tuned.
   */
  readonly watchCache?: boolean | CachedStorageOptions;
  /** Cluster IPs of services (kube-apiserver's --service-cluster-ip-range); 10.96.0.0/12 by default. */
  readonly serviceClusterIpRange?: string;
  /** Node ports of services (--service-node-port-range); 30000-32767 by default. */
  readonly serviceNodePortRange?: string;
  /** Where clients reach this API server, for the kubernetes service's endpoints. */
  readonly advertiseAddress?: string;
  /** The port the kubernetes service forwards to. */
  readonly advertisePort?: number;
  /**
   * ServiceAccount token keys, issuers and audiences: serviceaccounts/token issues tokens
   * with them and serviceAccountTokens checks them. Without them no tokens are issued.
   */
  readonly serviceAccountTokens?: Omit<ServiceAccountTokensOptions, 'objects' | 'now'>;
  /** What componentstatuses reports, probed on each request (none when absent). */
  readonly componentProbe?: ComponentProbe;
  /** Answers TokenReviews (the API layer's token authenticators); tokenreviews answer 500 without one. */
  readonly tokenReviewer?: () => TokenReviewer | undefined;
  /** Which node addresses reach a kubelet, most preferred first (--kubelet-preferred-address-types). */
  readonly kubeletPreferredAddressTypes?: readonly string[];
}

/**
 * The built-in resources over one store client. Call start() before serving:
 * it repairs the service allocations and creates what kube-apiserver creates
 * at start.
 */
export class KiteRegistry implements Registry {
  /** The storage underneath any cache: writes and reads that must not come from a cache. */
  readonly storage: ObjectStorage;
  /** The watch cache the resources' stores read through; undefined when it is off. */
  readonly watchCache: CachedObjectStorage | undefined;
  readonly admission: AdmissionChain;
  readonly allocation: ServiceAllocation;
  private readonly set = new ResourceRegistry();
  private readonly options: KiteRegistryOptions;
  private readonly now: () => Date;
  private crdController: CrdController | undefined;
  private rbacResolver: RbacRuleResolver | undefined;
  private authorizer: AccessAuthorizer | undefined;
  /** The objects ServiceAccount tokens name, cached for the token checks (started by start()). */
  readonly boundObjects: CachedObjectLookup;
  /** Issues and checks ServiceAccount tokens; undefined without token keys. */
  readonly serviceAccountTokens: ServiceAccountTokens | undefined;

  constructor(client: StoreClient, options: KiteRegistryOptions = {}) {
    this.options = options;
    this.now = options.now ?? (() => new Date());
    this.storage = new EtcdObjectStorage(client, {
      ...(options.bookmarkIntervalMs === undefined ? {} : { bookmarkIntervalMs: options.bookmarkIntervalMs }),
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    });
    const cacheOptions = options.watchCache ?? true;
    this.watchCache =
      cacheOptions === false
        ? undefined
        : new CachedObjectStorage(this.storage, {
            log: stderrLog('watch cache'),
            ...(options.bookmarkIntervalMs === undefined ? {} : { bookmarkIntervalMs: options.bookmarkIntervalMs }),
            ...(cacheOptions === true ? {} : cacheOptions),
          });
    const lookup = registryLookup(() => this);
    const plugins: AdmissionPlugin[] = [
      namespaceLifecycle(lookup),
      limitRanger(lookup),
      serviceAccount(lookup),
      taintNodesByCondition,
      priority(lookup),
      defaultTolerationSeconds,
      defaultStorageClass(lookup),
      storageObjectInUseProtection,
      runtimeClass(lookup),
      defaultIngressClass(lookup),
      rbacEscalation(() => ({ authorizer: this.authorizer, resolver: this.rbacResolver })),
    ];
    this.admission = new AdmissionChain(plugins);
    this.allocation = new ServiceAllocation(this.storage, serviceStrategy.info, options.serviceClusterIpRange ?? '10.96.0.0/12', options.serviceNodePortRange ?? '30000-32767');
    for (const strategy of builtinStrategies) this.set.add(new GenericStore(strategy, this.storeOptions(strategy)));
    this.set.add(
      new CreateOnlyStore(bindingsInfo, (ns, body, opts) => {
        const name = typeof body?.metadata?.name === 'string' ? body.metadata.name : '';
        return bindPod(this.generic(podStrategy.info), ns, name, body, opts, this.now);
      }),
    );
    this.set.add(tokenReviewStore(() => options.tokenReviewer?.()));
    this.set.add(selfSubjectReviewStore(this.now));
    this.set.add(new ComponentStatusStore(options.componentProbe ?? (() => Promise.resolve([]))));
    this.boundObjects = new CachedObjectLookup(
      { serviceaccounts: this.generic(serviceAccountStrategy.info), pods: this.generic(podStrategy.info), secrets: this.generic(secretStrategy.info) },
      { log: stderrLog('serviceaccount token checks') },
    );
    this.serviceAccountTokens = options.serviceAccountTokens === undefined ? undefined : new ServiceAccountTokens({ ...options.serviceAccountTokens, objects: this.boundObjects, now: this.now });
    for (const store of accessReviewStores(() => this.authorizer)) this.set.add(store);
  }

  /**
   * The API server's authorizer, which the access reviews answer with and the
   * RBAC escalation checks ask (`escalate`, `bind`). Until it is set, reviews
   * answer 500 and escalation is not checked.
   */
  useAuthorizer(authorizer: AccessAuthorizer): void {
    this.authorizer = authorizer;
  }

  /**
   * The RBAC rules in memory, followed by watches (the RBAC authorizer reads them).
   * Started by start(); resolves once the current roles and bindings are loaded.
   */
  async startRbac(options: { retryMs?: number } = {}): Promise<RbacRuleResolver> {
    if (this.rbacResolver === undefined) {
      this.rbacResolver = new RbacRuleResolver(
        {
          roles: this.generic(roleStrategy.info),
          clusterRoles: this.generic(clusterRoleStrategy.info),
          roleBindings: this.generic(roleBindingStrategy.info),
          clusterRoleBindings: this.generic(clusterRoleBindingStrategy.info),
        },
        { log: stderrLog('rbac'), retryMs: options.retryMs ?? 1000 },
      );
      this.rbacResolver.start();
    }
    await this.rbacResolver.synced();
    return this.rbacResolver;
  }

  private storeOptions(strategy: Strategy): GenericStoreOptions {
    const base = { storage: this.storageFor(strategy.info.storagePrefix), admission: this.admission, now: this.now };
    const id = resourceId(strategy.info);
    const pods = (): GenericStore => this.generic(podStrategy.info);
    const nodes = (): GenericStore => this.generic(nodeStrategy.info);
    const preferredAddressTypes = this.options.kubeletPreferredAddressTypes;
    if (id === resourceId(podStrategy.info)) {
      const connect = podConnectSubresources({ pods, nodes, ...(preferredAddressTypes === undefined ? {} : { preferredAddressTypes }) });
      return { ...base, subresources: { ...podSubresources(pods, () => this.generic(podDisruptionBudgetStrategy.info), this.now), ...connect } };
    }
    if (id === resourceId(nodeStrategy.info)) return { ...base, subresources: { proxy: nodeProxy(nodes, preferredAddressTypes) } };
    if (id === resourceId(serviceStrategy.info)) {
      const proxy = serviceProxy({ services: () => this.generic(serviceStrategy.info), endpoints: () => this.generic(endpointsStrategy.info), pods });
      return { ...base, hooks: this.allocation.hooks(), subresources: { proxy } };
    }
    if (id === resourceId(serviceAccountStrategy.info)) {
      const stores = { serviceAccounts: () => this.generic(serviceAccountStrategy.info), pods: () => this.generic(podStrategy.info), secrets: () => this.generic(secretStrategy.info) };
      return { ...base, subresources: { token: tokenSubresource(() => this.serviceAccountTokens, stores, this.now) } };
    }
    if (strategy.info.resource === 'events') return { ...base, ttlSeconds: eventTtlSeconds };
    return base;
  }

  /** The built-in store of a resource (for controllers and subresources in this process). */
  generic(info: Pick<ResourceInfo, 'group' | 'version' | 'resource'>): GenericStore {
    const s = this.set.store(info.group, info.version, info.resource);
    if (!(s instanceof GenericStore)) throw new Error(`no built-in store for ${resourceId(info)}`);
    return s;
  }

  /** The set of served resources, to add and remove resources at run time. */
  get resourceSet(): ResourceRegistry {
    return this.set;
  }

  resources(): readonly ResourceInfo[] {
    return this.set.resources();
  }

  store(group: string, version: string, resource: string): ResourceStore | undefined {
    return this.set.store(group, version, resource);
  }

  generation(): number {
    return this.set.generation();
  }

  componentSchema(name: string): JsonObject | undefined {
    return this.set.componentSchema(name);
  }

  /**
   * Starts following the CustomResourceDefinitions in the store (naming,
   * establishing, serving and cleaning up their custom resources), as
   * kube-apiserver's apiextensions controllers do. start() calls it.
   */
  startCustomResources(options: { retryMs?: number } = {}): CrdController {
    if (this.crdController !== undefined) return this.crdController;
    this.crdController = new CrdController(
      { crds: this.generic(customResourceDefinitionStrategy.info), resources: this.set, storageFor: (prefix) => this.storageFor(prefix), forget: (prefix) => this.watchCache?.forget(prefix), admission: this.admission, now: this.now },
      { log: stderrLog('apiextensions controllers'), retryMs: options.retryMs ?? 1000 },
    );
    this.crdController.start();
    return this.crdController;
  }

  /** The storage a resource's store reads and writes: through its watch cache when the cache is on. */
  storageFor(prefix: string): ObjectStorage {
    return this.watchCache?.forResource(prefix) ?? this.storage;
  }

  /** Stops what start() started (the CRD controllers, the RBAC watches, the token checks' watches, the watch caches). */
  async stop(): Promise<void> {
    this.boundObjects.stop();
    const c = this.crdController;
    this.crdController = undefined;
    await c?.stop();
    this.rbacResolver?.stop();
    this.rbacResolver = undefined;
    this.watchCache?.stop();
  }

  /** Creates what kube-apiserver creates at start, where missing, and repairs the service allocations. */
  async start(): Promise<void> {
    this.startCustomResources();
    if (this.serviceAccountTokens !== undefined) await this.boundObjects.start();
    await this.allocation.repair(this.storage);
    for (const name of systemNamespaces) await this.ensure(namespaceStrategy.info, undefined, { metadata: { name } });
    for (const pc of systemPriorityClasses) await this.ensure(priorityClassStrategy.info, undefined, pc);
    await reconcileBootstrapPolicy({
      clusterRoles: this.generic(clusterRoleStrategy.info),
      clusterRoleBindings: this.generic(clusterRoleBindingStrategy.info),
      roles: this.generic(roleStrategy.info),
      roleBindings: this.generic(roleBindingStrategy.info),
    });
    await this.startRbac();
    await this.reconcileKubernetesService();
  }

  /**
   * The kubernetes Service in default, pointing at this API server, as kube-apiserver's
   * bootstrap controller keeps it: created when missing, its ports put back when they name
   * another port (a restart on another --port), and its Endpoints and EndpointSlice (the
   * advertise address and port) made or corrected. An address no pod can reach (loopback,
   * link-local) is not a valid endpoint: then, as with kube-apiserver, there are none.
   */
  private async reconcileKubernetesService(): Promise<void> {
    const port = this.options.advertisePort ?? 6443;
    const servicePorts = [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }];
    await this.reconcile(
      serviceStrategy.info,
      'default',
      {
        metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: {
          type: 'ClusterIP',
          clusterIP: this.allocation.apiServerServiceIp,
          ports: servicePorts,
          sessionAffinity: 'None',
          // kube-apiserver's own Service names its family policy, so kube-apiserver owns that field too.
          ipFamilyPolicy: 'SingleStack',
        },
      },
      (current) => {
        const spec = child(current, 'spec');
        const same = isDeepStrictEqual(arrayOf(spec.ports).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol, targetPort: p.targetPort })), servicePorts) && spec.type === 'ClusterIP';
        if (same) return undefined;
        spec.ports = servicePorts;
        spec.type = 'ClusterIP';
        return current;
      },
    );
    const ip = this.options.advertiseAddress;
    if (ip === undefined) return;
    const subsets = [{ addresses: [{ ip }], ports: [{ name: 'https', port, protocol: 'TCP' }] }];
    const slice = {
      addressType: ip.includes(':') ? 'IPv6' : 'IPv4',
      endpoints: [{ addresses: [ip], conditions: { ready: true } }],
      ports: [{ name: 'https', port, protocol: 'TCP' }],
    };
    try {
      await this.reconcile(endpointsStrategy.info, 'default', { metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets }, (current) => {
        if (isDeepStrictEqual(current['subsets'], subsets)) return undefined;
        current['subsets'] = subsets;
        return current;
      });
      await this.reconcile(endpointSliceStrategy.info, 'default', { metadata: { name: 'kubernetes', labels: { 'kubernetes.io/service-name': 'kubernetes' } }, ...slice }, (current) => {
        const now = { addressType: current['addressType'], endpoints: current['endpoints'], ports: current['ports'] };
        return isDeepStrictEqual(now, slice) ? undefined : { ...current, ...slice };
      });
    } catch (e) {
      if (!(e instanceof ApiError && e.reason === 'Invalid')) throw e;
    }
  }

  /** Creates obj when missing; when it exists, applies correct (which answers undefined when nothing is to change). */
  private async reconcile(info: ResourceInfo, namespace: string | undefined, obj: KubeObject, correct: (current: KubeObject) => KubeObject | undefined): Promise<void> {
    const store = this.generic(info);
    let current: KubeObject;
    try {
      current = await store.get(namespace, obj.metadata.name!);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
      try {
        await store.create(namespace, structuredClone(obj), { fieldManager: 'kube-apiserver' });
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
      }
      return;
    }
    if (correct(structuredClone(current)) === undefined) return;
    await store.guaranteedUpdate(namespace, obj.metadata.name!, (latest) => correct(latest) ?? latest, {}, { manager: 'kube-apiserver' });
  }

  /** Creates obj when missing; an existing one is left as it is. */
  private async ensure(info: ResourceInfo, namespace: string | undefined, obj: KubeObject): Promise<void> {
    await this.reconcile(info, namespace, obj, () => undefined);
  }
}
