import { baseStrategy, child, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';

/** namespaces (v1, cluster-scoped): phase Active, finalizer kubernetes; DELETE marks Terminating. */
export const namespaceStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'namespaces', singular: 'namespace', kind: 'Namespace', listKind: 'NamespaceList', namespaced: false, shortNames: ['ns'], subresources: ['status', 'finalize'] }),
  {
    nameRule: 'dns1123Label',
    prepareForCreate: (o) => {
      o.status = { phase: 'Active' };
    },
    applyDefaults: (o) => {
      const spec = child(o, 'spec');
      spec.finalizers ??= ['kubernetes'];
      const status = child(o, 'status');
      status.phase ??= 'Active';
      const labels = (o.metadata.labels ??= {});
      labels['kubernetes.io/metadata.name'] = o.metadata.name ?? '';
    },
    prepareForUpdate: (o, old) => {
      o.spec = structuredClone(old.spec);
    },
    isSpecChange: () => false,
    fieldSelectorValue: (o, field) => (field === 'status.phase' ? String((o.status as { phase?: string } | undefined)?.phase ?? '') : undefined),
    beginGracefulDelete: (o) => {
      child(o, 'status').phase = 'Terminating';
      return true;
    },
    table: {
      columns: [nameColumn, column('Status', 'The status of the namespace'), ageColumn],
      cells: (o, now) => [o.metadata.name, (o.status as { phase?: string } | undefined)?.phase ?? '', age(o.metadata.creationTimestamp, now)],
    },
  },
);
