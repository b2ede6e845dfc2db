/**
 * Field errors worded as Kubernetes words them (field.Error): a reason, the
 * field's path, and "<type>: <value>: <detail>" with strings quoted and
 * numbers and booleans bare.
 */
import type { StatusCause } from '../generic/api-error.js';

/** How a bad value prints inside a message. */
export function printValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

function withDetail(head: string, detail: string | undefined): string {
  return detail === undefined || detail === '' ? head : `${head}: ${detail}`;
}

export const fieldErrors = {
  invalid: (field: string, value: unknown, detail: string): StatusCause => ({ reason: 'FieldValueInvalid', field, message: withDetail(`Invalid value: ${printValue(value)}`, detail) }),
  /** Invalid with a value already printed as Go prints it (%#v of a map or struct). */
  invalidPrinted: (field: string, printed: string, detail: string): StatusCause => ({ reason: 'FieldValueInvalid', field, message: withDetail(`Invalid value: ${printed}`, detail) }),
  required: (field: string, detail?: string): StatusCause => ({ reason: 'FieldValueRequired', field, message: withDetail('Required value', detail) }),
  notSupported: (field: string, value: unknown, supported: readonly string[]): StatusCause => ({
    reason: 'FieldValueNotSupported',
    field,
    message: withDetail(`Unsupported value: ${printValue(value)}`, supported.length === 0 ? undefined : `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`),
  }),
  /** NotSupported with a value already printed as Go prints it. */
  notSupportedPrinted: (field: string, printed: string, supported: readonly string[]): StatusCause => ({
    reason: 'FieldValueNotSupported',
    field,
    message: `Unsupported value: ${printed}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
  }),
  notFound: (field: string, value: unknown): StatusCause => ({ reason: 'FieldValueNotFound', field, message: `Not found: ${printValue(value)}` }),
  duplicate: (field: string, value: unknown): StatusCause => ({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${printValue(value)}` }),
  /** Duplicate with a value already printed as Go prints it. */
  duplicatePrinted: (field: string, printed: string): StatusCause => ({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${printed}` }),
  forbidden: (field: string, detail: string): StatusCause => ({ reason: 'FieldValueForbidden', field, message: withDetail('Forbidden', detail) }),
  tooLong: (field: string, max: number): StatusCause => ({ reason: 'FieldValueTooLong', field, message: `Too long: must have at most ${max} bytes` }),
  tooMany: (field: string, actual: number, max: number): StatusCause => ({ reason: 'FieldValueTooMany', field, message: `Too many: ${actual}: must have at most ${max} items` }),
  /** The message of an immutable field that changed. */
  immutable: (field: string, value: unknown): StatusCause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${printValue(value)}: field is immutable` }),
};
