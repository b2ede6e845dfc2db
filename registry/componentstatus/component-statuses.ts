/**
 * componentstatuses (v1, read-only): the health of the control plane's parts as
 * kube-apiserver reports it (`kubectl get componentstatuses`): each part is probed
 * when asked, nothing is stored, and the objects carry no resourceVersion. What is
 * probed is the caller's (bin/apiserver.ts: the store, kube-scheduler and
 * kube-controller-manager on their usual local ports, or the in-process controllers).
 */
import { ApiError, errors } from '../generic/api-error.js';
import { resourceInfo } from '../generic/base-strategy.js';
import { notAllowed } from '../generic/create-only-store.js';
import type { ObjectList, ResourceStore, SubresourceHandler } from '../generic/resource-store.js';
import { buildTable, column, nameColumn, partialMetadata, type MetaVersion, type TableConvertor } from '../generic/table.js';
import type { KubeObject, ResourceInfo } from '../generic/types.js';

export const componentStatusesInfo: ResourceInfo = resourceInfo({
  group: '',
  version: 'v1',
  resource: 'componentstatuses',
  singular: 'componentstatus',
  kind: 'ComponentStatus',
  listKind: 'ComponentStatusList',
  namespaced: false,
  shortNames: ['cs'],
  verbs: ['get', 'list'],
  stored: false,
  deprecationWarning: 'v1 ComponentStatus is deprecated in v1.19+',
});

/** One probe's outcome: healthy or not (unknown when the probe itself failed), what the part answered, and the probe's error. */
export interface ComponentHealth {
  readonly name: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly message: string;
  readonly error: string;
}

/** Probes every part, in the order they are listed. */
export type ComponentProbe = () => Promise<readonly ComponentHealth[]>;

const asObject = (h: ComponentHealth): KubeObject => ({
  kind: 'ComponentStatus',
  apiVersion: 'v1',
  metadata: { name: h.name, creationTimestamp: null },
  conditions: [{ type: 'Healthy', status: h.status, ...(h.message === '' ? {} : { message: h.message }), ...(h.error === '' ? {} : { error: h.error }) }],
});

/** kubectl's columns for a ComponentStatus: its Healthy condition as Healthy or Unhealthy, with the message and error. */
const componentTable: TableConvertor = {
  columns: [nameColumn, column('Status', 'Status of the component conditions'), column('Message', 'Message of the component conditions'), column('Error', 'Error of the component conditions')],
  cells: (o) => {
    const healthy = (Array.isArray(o.conditions) ? (o.conditions as Array<Record<string, unknown>>) : []).find((c) => c.type === 'Healthy');
    const status = healthy === undefined ? 'Unknown' : healthy.status === 'True' ? 'Healthy' : 'Unhealthy';
    return [o.metadata.name ?? '', status, String(healthy?.message ?? ''), String(healthy?.error ?? '')];
  },
};

/** Serves get and list of componentstatuses; every other verb is 405, as on kube-apiserver. */
export class ComponentStatusStore implements ResourceStore {
  readonly info = componentStatusesInfo;
  private readonly probe: ComponentProbe;

  constructor(probe: ComponentProbe) {
    this.probe = probe;
  }

  async get(_namespace: string | undefined, name: string, subresource?: string): Promise<KubeObject> {
    if (subresource !== undefined) throw errors.notFoundPath();
    const found = (await this.probe()).find((h) => h.name === name);
    // kube-apiserver answers a part it does not know with a plain error: 500, no reason.
    if (found === undefined) throw new ApiError(500, '', `Component not found: ${name}`);
    return asObject(found);
  }

  async list(): Promise<ObjectList> {
    return { kind: 'ComponentStatusList', apiVersion: 'v1', metadata: { resourceVersion: '' }, items: (await this.probe()).map(asObject) };
  }

  table(objects: readonly KubeObject[], listMeta: ObjectList['metadata'] | undefined, includeObject: 'None' | 'Metadata' | 'Object', metaVersion?: MetaVersion): unknown {
    return buildTable(componentTable, objects, listMeta, includeObject, new Date(), metaVersion);
  }

  partialMetadata(obj: KubeObject, metaVersion?: MetaVersion): KubeObject {
    return partialMetadata(obj, metaVersion);
  }

  checkSelectors(): void {
    // Nothing is filtered: a list answers every part.
  }

  subresource(): SubresourceHandler | undefined {
    return undefined;
  }

  create = notAllowed;
  update = notAllowed;
  patch = notAllowed;
  delete = notAllowed;
  deleteResponse = notAllowed;
  deleteCollection = notAllowed;
  watch = notAllowed;
}
