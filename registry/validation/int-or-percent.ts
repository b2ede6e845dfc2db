import type { StatusCause } from '../generic/api-error.js';
import { fieldErrors } from './field-errors.js';

/**
 * Rolling-update limits (maxUnavailable, maxSurge): a non-negative integer or a
 * percent string, checked and worded as Kubernetes' apps validation does. Invalid
 * values print as Go prints an intstr.IntOrString (%#v).
 */

const percentRe = /^[0-9]+%$/;

/** Go's %#v of an intstr.IntOrString holding value. */
export function goIntOrString(value: unknown): string {
  return typeof value === 'string' ? `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(value)}}` : `intstr.IntOrString{Type:0, IntVal:${Number(value ?? 0)}, StrVal:""}`;
}

/** The value as Kubernetes reads it for comparisons: a percent's number, an integer, 0 for anything else. */
export function intOrPercentValue(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return 0;
  const n = value.endsWith('%') ? value.slice(0, -1) : value;
  return /^-?[0-9]+$/.test(n) ? Number(n) : 0;
}

/** A percent string or a non-negative integer. */
export function validatePositiveIntOrPercent(value: unknown, path: string): StatusCause[] {
  if (typeof value === 'string') {
    return percentRe.test(value) ? [] : [fieldErrors.invalidPrinted(path, goIntOrString(value), "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
  }
  if (typeof value === 'number' && value < 0) return [fieldErrors.invalid(path, value, 'must be greater than or equal to 0')];
  return [];
}

/** A percent above 100. */
export function notMoreThan100Percent(value: unknown, path: string): StatusCause[] {
  if (typeof value !== 'string' || !percentRe.test(value) || Number(value.slice(0, -1)) <= 100) return [];
  return [fieldErrors.invalidPrinted(path, goIntOrString(value), 'must not be greater than 100%')];
}
