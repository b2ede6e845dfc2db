import { goJsonSyntaxError } from '../../schemas/go-json-syntax.js';
import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { dataBytes, maxDataBytes, validateImmutable } from '../configmap/strategy.js';
import { validateDataKeys } from '../pod/pod-spec.js';
import { fieldErrors } from '../validation/field-errors.js';

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

/** Keys each well-known Secret type requires. */
const requiredKeys: Readonly<Record<string, readonly string[]>> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
};

function validateSecret(o: KubeObject): StatusCause[] {
  const causes = validateDataKeys({ data: o.data });
  const data = (o.data as Record<string, string> | undefined) ?? {};
  const type = String(o.type ?? '');
  for (const key of requiredKeys[type] ?? []) {
    if (data[key] === undefined) causes.push(fieldErrors.required(`data[${key}]`));
    else if (key.startsWith('.docker')) {
      // The docker config must be JSON; what is wrong with it is said, never what it holds.
      const problem = goJsonSyntaxError(Buffer.from(data[key], 'base64').toString('utf8'));
      if (problem !== undefined) causes.push(fieldErrors.invalid(`data[${key}]`, '<secret contents redacted>', problem));
    }
  }
  if (type === 'kubernetes.io/service-account-token' && (o.metadata.annotations?.['kubernetes.io/service-account.name'] ?? '') === '') {
    causes.push(fieldErrors.required('metadata.annotations[kubernetes.io/service-account.name]'));
  }
  if (type === 'kubernetes.io/basic-auth' && data['username'] === undefined && data['password'] === undefined) {
    causes.push(fieldErrors.required('data[username]'), fieldErrors.required('data[password]'));
  }
  if (type === 'kubernetes.io/ssh-auth' && data['ssh-privatekey'] === undefined) causes.push(fieldErrors.required('data[ssh-privatekey]'));
  if (dataBytes(o.data, true) > maxDataBytes) causes.push(fieldErrors.tooLong('data', maxDataBytes));
  return causes;
}

/** secrets (v1): type defaults to Opaque; stringData folded into data; 1 MiB at most; NAME TYPE DATA AGE. */
export const secretStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'secrets', singular: 'secret', kind: 'Secret', listKind: 'SecretList', namespaced: true }),
  {
    confidentialFields: ['data', 'stringData'],
    updateChecksFirst: true,
    applyDefaults: (o) => {
      if (o.type === undefined || o.type === '') o.type = 'Opaque';
      foldStringData(o);
    },
    validate: validateSecret,
    validateUpdate: (o, old) => [
      ...(o.type !== old.type ? [fieldErrors.immutable('type', o.type)] : []),
      ...validateImmutable(o, old, ['data']),
    ],
    fieldSelectorValue: (o, f) => (f === 'type' ? String(o.type ?? '') : undefined),
    table: {
      columns: [nameColumn, column('Type', 'The type of the secret.'), column('Data', 'Number of keys in data.'), ageColumn],
      cells: (o, now) => [o.metadata.name, o.type ?? '', Object.keys((o.data as object | undefined) ?? {}).length, age(o.metadata.creationTimestamp, now)],
    },
  },
);
