/**
 * What the registry asks of a kind's schema on every write: check the
 * request's types and unknown fields, drop what Kubernetes' decoder drops,
 * and write what its encoder writes. Built-in kinds use their OpenAPI
 * schemas; custom resources bring their own.
 */
import type { StatusCause } from '../registry/generic/api-error.js';
import { goDecodeError } from './go-decode-errors.js';
import { dropEmptyLists, encodeDefaults, pruneUnknown } from './object-codec.js';
import { kindSchemaNames } from './schema-sources.js';
import { builtinSchemaTree, type SchemaNode } from './schema-tree.js';
import type { FieldValidation } from './validate-body.js';

/** What decode found. */
export interface DecodeReport {
  /** The body cannot be decoded at all (a type error in a built-in kind): 400 with this message. */
  readonly badRequest?: string;
  /** Schema violations of a custom resource: the write is Invalid. */
  readonly causes: readonly StatusCause[];
  /** Unknown fields, by path (Strict makes them a BadRequest). */
  readonly unknownFields: readonly string[];
  /** Warnings to send back (fieldValidation=Warn). */
  readonly warnings: readonly string[];
}

export interface ObjectSchema {
  /** Checks obj (a request object) and, in place, removes null fields and unknown fields. */
  decode(obj: Record<string, unknown>, fieldValidation: FieldValidation): DecodeReport;
  /** Writes, in place, the zero values and canonical forms Kubernetes' encoder writes (and, with omitEmptyLists, leaves out what finish leaves out). */
  encode(obj: Record<string, unknown>, omitEmptyLists?: boolean): void;
  /** Leaves out, in place, what Kubernetes' encoder omits once the object is validated (empty omitempty lists). */
  finish?(obj: Record<string, unknown>): void;
  /** The schema's root node, for code that walks objects by schema. */
  readonly root: SchemaNode;
  /** The tree server-side apply takes its merge rules from, when it is not root (custom resources' structural schema). */
  readonly structure?: SchemaNode;
}

/** The schema of a built-in kind (apiVersion as in objects: v1, apps/v1), or undefined when Kite has none. */
export function builtinObjectSchema(apiVersion: string, kind: string): ObjectSchema | undefined {
  const name = kindSchemaNames.get(`${apiVersion}/${kind}`);
  if (name === undefined) return undefined;
  const root = builtinSchemaTree.node(name);
  const roundResourceLists = !apiVersion.startsWith('node.k8s.io/');
  return {
    root,
    decode: (obj, fieldValidation) => {
      const version = apiVersion.split('/').pop() ?? apiVersion;
      const error = goDecodeError(obj, root);
      if (error !== undefined) return { badRequest: `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: ${error}`, causes: [], unknownFields: [], warnings: [] };
      const unknownFields = pruneUnknown(obj, root);
      const warnings = fieldValidation === 'Warn' ? unknownFields.map((f) => `unknown field ${JSON.stringify(f)}`) : [];
      return { causes: [], unknownFields, warnings };
    },
    encode: (obj, omitEmptyLists = false) => {
      encodeDefaults(obj, root, roundResourceLists, omitEmptyLists);
    },
    finish: (obj) => {
      dropEmptyLists(obj, root);
    },
  };
}
