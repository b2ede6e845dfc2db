/**
 * The OpenAPI documents of what the registry serves right now: a new
 * OpenApiSet whenever the registry's generation moves, so a resource added or
 * removed at run time shows in /openapi/v2 and /openapi/v3 on the next request.
 */
import type { Registry } from '../registry/generic/resource-store.js';
import { apiVersionOf, type ResourceInfo } from '../registry/generic/types.js';
import { OpenApiSet, type SchemaSource, builtinSchemaSource } from '../schemas/openapi-documents.js';
import { kindSchemaNames } from '../schemas/schema-sources.js';
import type { QueryOption, ServedGroupVersion, ServedResource } from '../schemas/served-resources.js';
import { groupVersions } from './discovery.js';

const capitalize = (s: string): string => s.slice(0, 1).toUpperCase() + s.slice(1);

function schemaOf(apiVersion: string, kind: string): string | undefined {
  return kindSchemaNames.get(`${apiVersion}/${kind}`);
}

const streams: QueryOption[] = [
  { name: 'container', type: 'string', description: 'The container (the only one when not given).' },
  { name: 'stderr', type: 'boolean', description: "Stream the container's standard error." },
  { name: 'stdin', type: 'boolean', description: "Stream to the container's standard input." },
  { name: 'stdout', type: 'boolean', description: "Stream the container's standard output." },
  { name: 'tty', type: 'boolean', description: 'Allocate a terminal.' },
];

/** The subresources another server answers, with the methods and options of their connect operations. */
const connectOptions: Readonly<Record<string, NonNullable<ServedResource['connect']>>> = {
  exec: { methods: ['GET', 'POST'], options: [{ name: 'command', type: 'string', description: 'The command and its arguments, one parameter each.' }, ...streams] },
  attach: { methods: ['GET', 'POST'], options: streams },
  portforward: { methods: ['GET', 'POST'], options: [{ name: 'ports', type: 'integer', description: 'The ports to forward.' }] },
  proxy: { methods: ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH'], options: [{ name: 'path', type: 'string', description: 'The path to pass on.' }] },
};

/** pods/log's options. */
const logOptions: QueryOption[] = [
  { name: 'container', type: 'string', description: 'The container (the only one when not given).' },
  { name: 'follow', type: 'boolean', description: 'Keep streaming the log as it grows.' },
  { name: 'insecureSkipTLSVerifyBackend', type: 'boolean', description: "Do not verify the kubelet's serving certificate." },
  { name: 'limitBytes', type: 'integer', description: 'Stop after this many bytes.' },
  { name: 'previous', type: 'boolean', description: "The log of the container's previous run." },
  { name: 'sinceSeconds', type: 'integer', description: 'Only lines from the last this many seconds.' },
  { name: 'tailLines', type: 'integer', description: 'Only this many lines from the end.' },
  { name: 'timestamps', type: 'boolean', description: 'Begin each line with its RFC3339 timestamp.' },
];

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
      const common = { resource: r.resource, subresource: sub.name, isNamespaced: r.namespaced, operationName: `${r.kind}${capitalize(sub.name)}`, verbs: sub.verbs };
      const connect = connectOptions[sub.name];
      if (connect !== undefined) {
        out.push({ ...common, gvk: sub.kind, schema: '', connect });
        continue;
      }
      if (sub.name === 'log') {
        out.push({ ...common, gvk: sub.kind, schema, text: { options: logOptions } });
        continue;
      }
      const subSchema = own ? schema : schemaOf(apiVersionOf(sub.kind), sub.kind.kind);
      if (subSchema === undefined) continue;
      out.push({ ...common, gvk: sub.kind, schema: subSchema });
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
