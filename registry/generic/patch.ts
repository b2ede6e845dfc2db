import jsonpatch from 'fast-json-patch';
import type { SchemaNode } from '../../schemas/schema-tree.js';
import { ApiError, errors } from './api-error.js';
import { strategicMergePatch } from './strategic-merge.js';

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * A JSON patch that cannot be applied, as kube-apiserver answers it: one
 * sentence. (The library's message goes on to print the operation and the
 * whole document, which no error may echo: a Secret's data.)
 */
function jsonPatchFailure(_e: Error): ApiError {
  return new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request');
}

/**
 * Applies a patch of the given type to original (never mutated); the result must
 * be an object. Malformed patches are BadRequest, failed JSON-patch operations 422.
 */
export function applyPatch(original: JsonObject, type: 'merge' | 'json' | 'strategic', patch: unknown, schema?: SchemaNode): JsonObject {
  let result: unknown;
  switch (type) {
    case 'merge':
      if (!isObject(patch)) throw errors.badRequest('a merge patch must be a JSON object');
      result = mergePatch(original, patch);
      break;
    case 'strategic':
      if (!isObject(patch)) throw errors.badRequest('a strategic merge patch must be a JSON object');
      if (schema === undefined) throw errors.unsupportedPatchType();
      result = strategicMergePatch(original, patch, schema);
      break;
    case 'json': {
      if (!Array.isArray(patch)) throw errors.badRequest('a JSON patch must be an array of operations');
      const ops = patch as jsonpatch.Operation[];
      const problem = jsonpatch.validate(ops, original);
      if (problem !== undefined) throw jsonPatchFailure(problem);
      try {
        result = jsonpatch.applyPatch(structuredClone(original), ops, false, false).newDocument;
      } catch (e) {
        if (e instanceof jsonpatch.JsonPatchError) throw jsonPatchFailure(e);
        throw e;
      }
      break;
    }
  }
  if (!isObject(result)) throw errors.badRequest('the patch must leave an object');
  return result;
}
