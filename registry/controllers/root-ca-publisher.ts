/**
 * kube-controller-manager's `root-ca-cert-publisher`: every namespace that is not
 * being deleted has a ConfigMap `kube-root-ca.crt` whose `ca.crt` is the CA that
 * verifies the API server (what a Pod's kube-api-access volume mounts as ca.crt),
 * with the description annotation kube-controller-manager writes. It is created again
 * when deleted and put right when changed.
 */
import { isDeepStrictEqual } from 'node:util';
import { ApiError } from '../generic/api-error.js';
import type { GenericStore } from '../generic/generic-store.js';
import { Informer } from './informer.js';
import { WorkQueue, type ControllerLog } from './work-queue.js';

export const rootCaConfigMapName = 'kube-root-ca.crt';
export const rootCaDescriptionAnnotation = 'kubernetes.io/description';
export const rootCaDescription =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export class RootCaPublisher {
  private readonly namespaces: Informer;
  private readonly configMaps: Informer;
  private readonly queue: WorkQueue;
  private readonly store: GenericStore;
  private readonly rootCa: string;

  constructor(namespaces: GenericStore, configMaps: GenericStore, rootCa: string, options: { log: ControllerLog; retryMs: number }) {
    this.store = configMaps;
    this.rootCa = rootCa;
    this.queue = new WorkQueue((ns) => this.sync(ns), options);
    this.namespaces = new Informer(
      namespaces,
      (type, ns) => {
        if (type !== 'DELETED') this.queue.add(ns.metadata.name!);
      },
      options,
    );
    this.configMaps = new Informer(
      configMaps,
      (_type, cm) => {
        if (cm.metadata.name === rootCaConfigMapName) this.queue.add(cm.metadata.namespace!);
      },
      options,
    );
  }

  start(): void {
    this.namespaces.start();
    this.configMaps.start();
  }

  async stop(): Promise<void> {
    this.namespaces.stop();
    this.configMaps.stop();
    await this.queue.stop();
  }

  async idle(): Promise<void> {
    await this.namespaces.synced();
    await this.configMaps.synced();
    await this.queue.idle();
  }

  private async sync(namespace: string): Promise<void> {
    const ns = this.namespaces.get(undefined, namespace);
    if (ns === undefined || ns.metadata.deletionTimestamp !== undefined) return;
    const data = { 'ca.crt': this.rootCa };
    const cm = this.configMaps.get(namespace, rootCaConfigMapName);
    try {
      if (cm === undefined) {
        await this.store.create(namespace, { metadata: { name: rootCaConfigMapName, annotations: { [rootCaDescriptionAnnotation]: rootCaDescription } }, data });
        return;
      }
      if (isDeepStrictEqual(cm.data, data) && (cm.metadata.annotations?.[rootCaDescriptionAnnotation] ?? '') !== '') return;
      const updated = structuredClone(cm);
      updated.data = data;
      updated.metadata.annotations = { ...(updated.metadata.annotations ?? {}), [rootCaDescriptionAnnotation]: rootCaDescription };
      await this.store.update(namespace, rootCaConfigMapName, updated);
    } catch (e) {
      // Created meanwhile, changed meanwhile (the informer brings the change, and a new sync), or the namespace went.
      if (e instanceof ApiError && (e.reason === 'AlreadyExists' || e.reason === 'Conflict' || e.code === 404 || e.code === 403)) return;
      throw e;
    }
  }
}
