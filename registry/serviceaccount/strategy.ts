import { baseStrategy, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';

/** serviceaccounts (v1): NAME SECRETS AGE. */
export const serviceAccountStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'serviceaccounts', singular: 'serviceaccount', kind: 'ServiceAccount', listKind: 'ServiceAccountList', namespaced: true, shortNames: ['sa'], subresources: ['token'] }),
  {
    returnDeletedObject: true,
    table: {
      columns: [nameColumn, column('Secrets', 'Secrets is the list of secrets allowed to be used by pods running using this ServiceAccount.', 0, 'string'), ageColumn],
      cells: (o, now) => [o.metadata.name, Array.isArray(o.secrets) ? o.secrets.length : 0, age(o.metadata.creationTimestamp, now)],
    },
  },
);
