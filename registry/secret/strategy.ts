import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';

const base64Re = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Moves stringData into data as base64 (stringData wins) and drops it, as the API server does. */
function foldStringData(o: KubeObject): void {
  const sd = o.stringData as Record<string, unknown> | undefined;
  if (sd !== undefined && sd !== null && typeof sd === 'object') {
    const data = { ...((o.data as Record<string, string> | undefined) ?? {}) };
    for (const [k, v] of Object.entries(sd)) if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
    o.data = data;
  }
  delete o.stringData;
}

function validateData(o: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [k, v] of Object.entries((o.data as Record<string, unknown> | undefined) ?? {})) {
    if (typeof v !== 'string' || !base64Re.test(v)) causes.push({ reason: 'FieldValueInvalid', field: `data[${k}]`, message: `Invalid value: ${JSON.stringify(v)}: must be a base64-encoded string` });
  }
  return causes;
}

/** secrets (v1): type defaults to Opaque; stringData folded into data; NAME TYPE DATA AGE. */
export const secretStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'secrets', singular: 'secret', kind: 'Secret', listKind: 'SecretList', namespaced: true, shortNames: [] }),
  {
    applyDefaults: (o) => {
      o.type ??= 'Opaque';
      foldStringData(o);
    },
    validate: validateData,
    validateUpdate: (o, old) =>
      o.type !== old.type ? [{ reason: 'FieldValueInvalid', field: 'type', message: `Invalid value: ${JSON.stringify(o.type)}: field is immutable` }] : [],
    fieldSelectorValue: (o, f) => (f === 'type' ? String(o.type ?? '') : undefined),
    table: {
      columns: [nameColumn, column('Type', 'The type of the secret'), column('Data', 'The number of entries in the secret', 0, 'integer'), ageColumn],
      cells: (o, now) => [o.metadata.name, o.type ?? '', Object.keys((o.data as object | undefined) ?? {}).length, age(o.metadata.creationTimestamp, now)],
    },
  },
);
