/**
 * Strategic merge patch for the built-in kinds: lists of named things are merged
 * by their key, `$patch: delete|replace` directives, null deletes a field, any
 * other list is replaced. The merge keys are Kubernetes' (patchMergeKey tags).
 */

type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (v: Json): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The merge key of the list in field under parentField (the list or map holding it), or undefined: replace. */
export function mergeKeyOf(field: string, parentField: string | undefined): string | undefined {
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
    case 'conditions':
      return field === 'conditions' ? 'type' : 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'ports':
      return parentField === 'containers' || parentField === 'initContainers' || parentField === 'ephemeralContainers' ? 'containerPort' : 'port';
    case 'ownerReferences':
      return 'uid';
    case 'tolerations':
    case 'hostAliases':
      return field === 'hostAliases' ? 'ip' : undefined;
    default:
      return undefined;
  }
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.filter((e) => !(isObject(e) && e.$patch !== undefined && Object.keys(e).length === 1)).map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '$patch' || k.startsWith('$setElementOrder/') || k === '$retainKeys') continue;
    if (x === null) continue;
    out[k] = stripDirectives(x);
  }
  return out;
}

function mergeList(original: Json, patch: Json[], key: string | undefined, field: string): Json {
  if (key === undefined) return stripDirectives(patch);
  if (patch.some((e) => isObject(e) && e.$patch === 'replace')) return stripDirectives(patch.filter((e) => !(isObject(e) && e.$patch === 'replace')));
  const result: Json[] = Array.isArray(original) ? clone(original) : [];
  for (const item of patch) {
    if (!isObject(item) || item[key] === undefined) {
      result.push(stripDirectives(item));
      continue;
    }
    const at = result.findIndex((e) => isObject(e) && e[key] === item[key]);
    if (item.$patch === 'delete') {
      if (at >= 0) result.splice(at, 1);
      continue;
    }
    if (at >= 0) result[at] = mergeMap(result[at], item, field);
    else result.push(stripDirectives(item));
  }
  return result;
}

function mergeMap(original: Json, patch: JsonObject, field: string | undefined): Json {
  if (patch.$patch === 'delete') return undefined;
  if (patch.$patch === 'replace') return stripDirectives(patch);
  const result: JsonObject = isObject(original) ? clone(original) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k.startsWith('$setElementOrder/') || k === '$retainKeys') continue;
    if (v === null) {
      delete result[k];
    } else if (Array.isArray(v)) {
      result[k] = mergeList(result[k], v, mergeKeyOf(k, field), k);
    } else if (isObject(v)) {
      const merged = mergeMap(result[k], v, k);
      if (merged === undefined) delete result[k];
      else result[k] = merged;
    } else {
      result[k] = v;
    }
  }
  return result;
}

/** Applies a strategic merge patch to original (not mutated) and returns the result. */
export function strategicMergePatch(original: JsonObject, patch: JsonObject): JsonObject {
  const out = mergeMap(original, patch, undefined);
  return isObject(out) ? out : {};
}
