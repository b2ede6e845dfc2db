import type { KubeObject } from './types.js';

/** metav1.TableColumnDefinition. */
export interface ColumnDefinition {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly format: string;
  readonly description: string;
  /** 0: always shown; 1: only with -o wide. */
  readonly priority: number;
}

/** How a kind prints: its columns and one row of cells per object (now is for AGE). */
export interface TableConvertor {
  readonly columns: readonly ColumnDefinition[];
  cells(obj: KubeObject, now: Date): unknown[];
}

/** Shorthand for a column definition. */
export function column(name: string, description: string, priority = 0, type: ColumnDefinition['type'] = 'string', format = ''): ColumnDefinition {
  return { name, type, format, description, priority };
}

/** The NAME column every kind starts with. */
export const nameColumn = column('Name', 'Name must be unique within a namespace.', 0, 'string', 'name');
/** The AGE column. */
export const ageColumn = column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.');

/** kubectl's short human duration: 45s, 5m, 3h20m, 2d, 3y. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

/** The AGE of a timestamp ('<unknown>' when absent). */
export function age(timestamp: string | null | undefined, now: Date): string {
  if (timestamp === undefined || timestamp === null) return '<unknown>';
  return humanDuration(now.getTime() - Date.parse(timestamp));
}

/** The object as PartialObjectMetadata, without the annotations named in hidden (Strategy.versionAnnotations). */
export function partialMetadata(obj: KubeObject, metaVersion: MetaVersion = 'v1', hidden: readonly string[] = []): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${metaVersion}`, metadata: withoutAnnotations(obj.metadata, hidden) };
}

function withoutAnnotations(metadata: KubeObject['metadata'], hidden: readonly string[]): KubeObject['metadata'] {
  const annotations = metadata.annotations;
  if (annotations === undefined || !hidden.some((a) => a in annotations)) return metadata;
  const kept = Object.fromEntries(Object.entries(annotations).filter(([a]) => !hidden.includes(a)));
  const { annotations: _dropped, ...rest } = metadata;
  return Object.keys(kept).length === 0 ? rest : { ...rest, annotations: kept };
}

/** The meta.k8s.io version a Table or PartialObjectMetadata is asked for in. */
export type MetaVersion = 'v1' | 'v1beta1';

/** Builds a meta.k8s.io/v1 Table. */
export function buildTable(
  convertor: TableConvertor,
  objects: readonly KubeObject[],
  listMeta: { resourceVersion?: string; continue?: string; remainingItemCount?: number } | undefined,
  includeObject: 'None' | 'Metadata' | 'Object',
  now: Date,
  metaVersion: MetaVersion = 'v1',
  hidden: readonly string[] = [],
): unknown {
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${metaVersion}`,
    metadata: listMeta ?? {},
    columnDefinitions: convertor.columns,
    rows: objects.map((o) => ({
      cells: convertor.cells(o, now),
      ...(includeObject === 'None' ? {} : { object: includeObject === 'Metadata' ? partialMetadata(o, metaVersion, hidden) : o }),
    })),
  };
}

/** Default columns for kinds without their own: NAME AGE. */
export const defaultTable: TableConvertor = {
  columns: [nameColumn, ageColumn],
  cells: (o, now) => [o.metadata.name ?? '', age(o.metadata.creationTimestamp, now)],
};
