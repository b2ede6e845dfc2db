/**
 * metadata.managedFields: who owns which fields of an object. An entry is a
 * manager, an operation (Apply or Update), the apiVersion it wrote at, the
 * subresource it wrote through, when it last changed something, and its
 * fields (FieldsV1). Entries are told apart by manager, operation and
 * subresource, and for Update also apiVersion, as kube-apiserver does.
 */
import { FieldSet, fromFieldsV1, toFieldsV1 } from './field-set.js';

export type Operation = 'Apply' | 'Update';

/** One decoded managedFields entry. */
export interface ManagedEntry {
  readonly manager: string;
  readonly operation: Operation;
  readonly apiVersion: string;
  /** RFC 3339 at second precision; absent when the entry had none. */
  readonly time: string | undefined;
  readonly subresource: string;
  readonly fields: FieldSet;
}

/** The entries of an object, by identity (see entryId). */
export type Managed = Map<string, ManagedEntry>;

/** The identity of an entry: Apply entries keep theirs across apiVersions. */
export function entryId(e: Pick<ManagedEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([e.manager, e.operation, e.operation === 'Apply' ? '' : e.apiVersion, e.subresource]);
}

/**
 * Decodes managedFields; undefined when they are not valid (kube-apiserver then
 * keeps the live object's instead of a client's).
 */
export function decodeManaged(value: unknown): Managed | undefined {
  const out: Managed = new Map();
  if (value === undefined || value === null) return out;
  if (!Array.isArray(value)) return undefined;
  for (const raw of value) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
    const r = raw as Record<string, unknown>;
    if (r.fieldsType !== 'FieldsV1') return undefined;
    if (r.operation !== 'Apply' && r.operation !== 'Update') return undefined;
    const fields = fromFieldsV1(r.fieldsV1 ?? {});
    if (fields === undefined) return undefined;
    const entry: ManagedEntry = {
      manager: typeof r.manager === 'string' ? r.manager : '',
      operation: r.operation,
      apiVersion: typeof r.apiVersion === 'string' ? r.apiVersion : '',
      time: typeof r.time === 'string' ? r.time : undefined,
      subresource: typeof r.subresource === 'string' ? r.subresource : '',
      fields,
    };
    // Two entries of one identity: the later one counts, as kube-apiserver decodes them (its
    // scale subresource writes such pairs itself).
    const id = entryId(entry);
    out.delete(id);
    out.set(id, entry);
  }
  return out;
}

/** Whether a request's managedFields ask for a reset: `[]` or `[{}]`. */
export function isReset(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  if (value.length === 0) return true;
  const only = value[0] as unknown;
  return value.length === 1 && typeof only === 'object' && only !== null && Object.keys(only).length === 0;
}

const operationOrder = (o: Operation): number => (o === 'Apply' ? 0 : 1);
const seconds = (t: string | undefined): number => (t === undefined ? 0 : Math.floor(Date.parse(t) / 1000));
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The managedFields of entries, in kube-apiserver's order: Apply first, then by time, manager, apiVersion, subresource. */
export function encodeManaged(managed: Managed): Record<string, unknown>[] {
  const entries = [...managed.values()].filter((e) => !e.fields.isEmpty());
  entries.sort(
    (a, b) =>
      operationOrder(a.operation) - operationOrder(b.operation) ||
      seconds(a.time) - seconds(b.time) ||
      cmp(a.manager, b.manager) ||
      cmp(a.apiVersion, b.apiVersion) ||
      cmp(a.subresource, b.subresource),
  );
  return entries.map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    ...(e.time === undefined ? {} : { time: e.time }),
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(e.fields),
    ...(e.subresource === '' ? {} : { subresource: e.subresource }),
  }));
}

/** How a conflict names its manager: `"m"`, `"m" using apps/v1` for Update entries, with the subresource when there is one. */
export function describeManager(e: ManagedEntry): string {
  if (e.operation === 'Update') return `${JSON.stringify(e.manager)} using ${e.apiVersion}`;
  if (e.subresource !== '') return `${JSON.stringify(e.manager)} with subresource ${JSON.stringify(e.subresource)}`;
  return JSON.stringify(e.manager);
}
