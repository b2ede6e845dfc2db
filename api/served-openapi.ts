/**
 * The OpenAPI documents of what the registry serves right now: a new
 * OpenApiSet whenever the registry's generation moves, so a resource added or
 * removed at run time shows in /openapi/v2 and /openapi/v3 on the next request.
 */
import type { Registry } from '../registry/generic/resource-store.js';
import { apiVersionOf, type ResourceInfo } from '../registry/generic/types.js';
import { OpenApiSet, type SchemaSource, builtinSchemaSource } from '../schemas/openapi-documents.js';
import { kindSchemaNames } from '../schemas/schema-sources.js';
import type { ServedGroupVersion, ServedResource } from '../schemas/served-resources.js';
import { groupVersions } from './discovery.js';

const capitalize = (s: string): string => s.slice(0, 1).toUpperCase() + s.slice(1);

function schemaOf(apiVersion: string, kind: string): string | undefined {
  return kindSchemaNames.get(`${apiVersion}/${kind}`);
}

/** The served resources of a group-version, with the schemas their operations use. */
function servedResources(infos: readonly ResourceInfo[]): ServedResource[] {
  const out: ServedResource[] = [];
  for (const r of infos) {
    const schema = r.schema?.kind ?? schemaOf(apiVersionOf(r), r.kind);
    if (schema === undefined) continue;
    const listSchema = r.schema?.list ?? schemaOf(apiVersionOf(r), r.listKind);
    out.push({ resource: r.resource, isNamespaced: r.namespaced, gvk: { group: r.group, version: r.version, kind: r.kind }, schema, ...(listSchema === undefined ? {} : { listSchema }), verbs: r.verbs });
    for (const sub of r.subresources) {
      const own = sub.kind.group === r.group && sub.kind.version === r.version && sub.kind.kind === r.kind;
      const subSchema = own ? schema : schemaOf(apiVersionOf(sub.kind), sub.kind.kind);
      if (subSchema === undefined || sub.name === 'log') continue;
      out.push({
        resource: r.resource,
        subresource: sub.name,
        isNamespaced: r.namespaced,
        gvk: sub.kind,
        schema: subSchema,
        operationName: `${r.kind}${capitalize(sub.name)}`,
        verbs: sub.verbs,
      });
    }
  }
  return out;
}

/** The group-versions the registry serves, as the OpenAPI builder takes them. */
export function servedGroupVersions(registry: Registry): ServedGroupVersion[] {
  return groupVersions(registry).flatMap(([group, versions]) =>
    versions.map((version) => ({
      path: group === '' ? `api/${version}` : `apis/${group}/${version}`,
      groupVersion: group === '' ? version : `${group}/${version}`,
      resources: servedResources(registry.resources().filter((r) => r.group === group && r.version === version)),
    })),
  );
}

/** The documents of the registry, rebuilt when its served resources change. */
export class ServedOpenApi {
  private readonly registry: Registry;
  private readonly source: SchemaSource;
  private current: { generation: number; set: OpenApiSet } | undefined;

  constructor(registry: Registry, source?: SchemaSource) {
    this.registry = registry;
    // The built-in schemas, then those the served resources bring (custom resources).
    this.source = source ?? ((name) => builtinSchemaSource(name) ?? registry.componentSchema?.(name));
  }

  /** The set for what is served now. */
  set(): OpenApiSet {
    const generation = this.registry.generation();
    if (this.current === undefined || this.current.generation !== generation) {
      this.current = { generation, set: new OpenApiSet(servedGroupVersions(this.registry), this.source) };
    }
    return this.current.set;
  }
}
