import { baseStrategy, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';

/** configmaps (v1): NAME DATA AGE. */
export const configMapStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'configmaps', singular: 'configmap', kind: 'ConfigMap', listKind: 'ConfigMapList', namespaced: true, shortNames: ['cm'] }),
  {
    table: {
      columns: [nameColumn, column('Data', 'Data contains the configuration data.', 0, 'integer'), ageColumn],
      cells: (o, now) => [o.metadata.name, Object.keys((o.data as object | undefined) ?? {}).length + Object.keys((o.binaryData as object | undefined) ?? {}).length, age(o.metadata.creationTimestamp, now)],
    },
  },
);
