import { arrayOf, baseStrategy, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';

/** csinodes (storage.k8s.io/v1, cluster-scoped): the CSI drivers on a node. */
export const csiNodeStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'storage.k8s.io', version: 'v1', resource: 'csinodes', singular: 'csinode', kind: 'CSINode', listKind: 'CSINodeList', namespaced: false }),
  {
    unconditionalUpdate: false,
    returnDeletedObject: true,
    validate: (o) => {
      const seen = new Set<string>();
      return arrayOf(field(o, 'spec')?.drivers).flatMap((d, i) => {
        const name = typeof d.name === 'string' ? d.name : '';
        const duplicate = name !== '' && seen.has(name);
        seen.add(name);
        return [
          ...(name === '' ? [fieldErrors.required(`spec.drivers[${i}].name`)] : duplicate ? [fieldErrors.duplicate(`spec.drivers[${i}].name`, name)] : []),
          ...(typeof d.nodeID !== 'string' || d.nodeID === '' ? [fieldErrors.required(`spec.drivers[${i}].nodeID`)] : []),
        ];
      });
    },
    table: {
      columns: [nameColumn, column('Drivers', 'CSI drivers on the node.', 0, 'integer'), ageColumn],
      cells: (o, now) => [o.metadata.name, arrayOf(field(o, 'spec')?.drivers).length, age(o.metadata.creationTimestamp, now)],
    },
  },
);
