import { isDeepStrictEqual } from 'node:util';
import { baseStrategy, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';
import { goRawExtension } from '../validation/go-values.js';

/** controllerrevisions (apps/v1): immutable snapshots of a controller's template; data never changes. */
export const controllerRevisionStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'apps', version: 'v1', resource: 'controllerrevisions', singular: 'controllerrevision', kind: 'ControllerRevision', listKind: 'ControllerRevisionList', namespaced: true }),
  {
    validate: (o) => [
      ...(o.data === undefined || o.data === null ? [fieldErrors.required('data', 'data is mandatory')] : []),
      ...(typeof o.revision === 'number' && o.revision < 0 ? [fieldErrors.invalid('revision', o.revision, 'must be greater than or equal to 0')] : []),
    ],
    validateUpdate: (o, old) => (isDeepStrictEqual(o.data, old.data) ? [] : [fieldErrors.invalidPrinted('data', goRawExtension(o.data), 'field is immutable')]),
    table: {
      columns: [nameColumn, column('Controller', 'The object that owns this revision.'), column('Revision', 'The revision of the state in data.'), ageColumn],
      cells: (o, now) => {
        const owner = (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
        const group = owner === undefined ? '' : owner.apiVersion.includes('/') ? owner.apiVersion.split('/')[0]! : '';
        const controller = owner === undefined ? '<none>' : `${owner.kind.toLowerCase()}${group === '' ? '' : `.${group}`}/${owner.name}`;
        return [o.metadata.name, controller, o.revision ?? 0, age(o.metadata.creationTimestamp, now)];
      },
    },
  },
);
