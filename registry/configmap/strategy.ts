import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { validateDataKeys } from '../pod/pod-spec.js';
import { fieldErrors } from '../validation/field-errors.js';

/** The largest ConfigMap or Secret payload Kubernetes accepts: 1 MiB of keys and values. */
export const maxDataBytes = 1024 * 1024;

/** Bytes of a data map's keys and values (base64 strings count as decoded bytes when decoded is set). */
export function dataBytes(map: unknown, decoded: boolean): number {
  if (map === undefined || map === null || typeof map !== 'object') return 0;
  let n = 0;
  for (const [k, v] of Object.entries(map)) {
    n += Buffer.byteLength(k);
    if (typeof v === 'string') n += decoded ? Buffer.from(v, 'base64').length : Buffer.byteLength(v);
  }
  return n;
}

/** The rule of immutable ConfigMaps and Secrets: once immutable, data and immutable never change. */
export function validateImmutable(o: KubeObject, old: KubeObject, dataFields: readonly string[]): StatusCause[] {
  if (old.immutable !== true) return [];
  const causes: StatusCause[] = [];
  if (o.immutable !== true) causes.push(fieldErrors.forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of dataFields) if (!isDeepStrictEqual(o[f], old[f])) causes.push(fieldErrors.forbidden(f, 'field is immutable when `immutable` is set'));
  return causes;
}

/** configmaps (v1): keys must be valid config keys, 1 MiB at most; NAME DATA AGE. */
export const configMapStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'configmaps', singular: 'configmap', kind: 'ConfigMap', listKind: 'ConfigMapList', namespaced: true, shortNames: ['cm'] }),
  {
    updateChecksFirst: true,
    validate: (o) => {
      const causes = validateDataKeys({ data: o.data, binaryData: o.binaryData });
      if (dataBytes(o.data, false) + dataBytes(o.binaryData, true) > maxDataBytes) causes.push(fieldErrors.tooLong('[]', maxDataBytes)); // Kubernetes' name for the whole object's data
      return causes;
    },
    validateUpdate: (o, old) => validateImmutable(o, old, ['data', 'binaryData']),
    table: {
      columns: [nameColumn, column('Data', 'Number of keys in data and binaryData.'), ageColumn],
      cells: (o, now) => [o.metadata.name, Object.keys((o.data as object | undefined) ?? {}).length + Object.keys((o.binaryData as object | undefined) ?? {}).length, age(o.metadata.creationTimestamp, now)],
    },
  },
);
