/**
 * Turns an ajv instance path (/spec/template/spec/containers/0/image) into a
 * Kubernetes field path (spec.template.spec.containers[0].image), walking the
 * schema so that map keys print as [key] (data[tls.crt], labels[app]) while
 * struct fields print as .name.
 */
import { isJsonObject, type JsonObject } from './json.js';
import { refPrefix } from './schema-sources.js';
import { validationSchemas } from './validation-schemas.js';

function deref(schema: JsonObject): JsonObject {
  let current = schema;
  for (let depth = 0; depth < 16; depth++) {
    const allOf = current['allOf'];
    const ref = Array.isArray(allOf) && isJsonObject(allOf[0]) ? allOf[0]['$ref'] : current['$ref'];
    if (typeof ref !== 'string') return current;
    current = validationSchemas[ref.slice(refPrefix.length)] ?? {};
  }
  return current;
}

/** Decodes one JSON Pointer segment (~1 is '/', ~0 is '~'). */
export function decodePointerSegment(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

/**
 * The Kubernetes path of instancePath inside an object of the named schema,
 * with extra appended as a struct field (a missing or unknown property).
 */
export function fieldPath(schemaName: string, instancePath: string, extra?: string): string {
  const segments = instancePath === '' ? [] : instancePath.slice(1).split('/').map(decodePointerSegment);
  let schema: JsonObject | undefined = validationSchemas[schemaName];
  let path = '';
  const field = (name: string) => (path === '' ? name : `${path}.${name}`);
  for (const segment of segments) {
    const s: JsonObject = schema === undefined ? {} : deref(schema);
    const props = s['properties'];
    const additional = s['additionalProperties'];
    if (isJsonObject(props) && isJsonObject(props[segment])) {
      path = field(segment);
      schema = props[segment] as JsonObject;
    } else if (s['type'] === 'array' || (schema === undefined && /^\d+$/.test(segment))) {
      path = `${path}[${segment}]`;
      schema = isJsonObject(s['items']) ? s['items'] : undefined;
    } else if (isJsonObject(additional)) {
      path = `${path}[${segment}]`;
      schema = additional;
    } else {
      path = field(segment);
      schema = undefined;
    }
  }
  return extra === undefined ? path : field(extra);
}
