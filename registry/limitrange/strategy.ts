import { randomUUID } from 'node:crypto';
import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';
import { compareQuantities, parseQuantity, quantityText, roundUpToMilli, scaledValue, type Quantity } from '../../schemas/quantity.js';
import { containerResourceNameErrors, resourceNameErrors } from '../validation/resource-names.js';
import { goQuantity } from '../validation/go-values.js';
import { isQualifiedName } from '../validation/names.js';
import type { KubeObject } from '../generic/types.js';

const limitTypes = new Set(['Container', 'Pod', 'PersistentVolumeClaim']);

/** A ResourceList's value as kube-apiserver holds it after defaulting, or undefined when it is not a quantity. */
function listQuantity(value: unknown): Quantity | undefined {
  const q = parseQuantity(value);
  return q === undefined ? undefined : roundUpToMilli(q);
}

/** A limit's type: a qualified name, and without a domain one of the standard three. */
function typeErrors(type: string, at: string): StatusCause[] {
  const causes = isQualifiedName(type).map((m) => fieldErrors.invalid(at, type, m));
  if (causes.length === 0 && !type.includes('/') && !limitTypes.has(type)) causes.push(fieldErrors.invalid(at, type, 'must be a standard limit type or fully qualified'));
  return causes;
}

/** The checks between one resource's bounds, defaults and ratio (ValidateLimitRange's per-resource checks, in its order). */
function boundsErrors(at: string, k: string, bounds: Readonly<Record<'min' | 'max' | 'default' | 'defaultRequest' | 'maxLimitRequestRatio', Quantity | undefined>>): StatusCause[] {
  const causes: StatusCause[] = [];
  const { min, max, default: def, defaultRequest: request, maxLimitRequestRatio: ratio } = bounds;
  const invalid = (where: string, q: Quantity, detail: string): void => {
    causes.push(fieldErrors.invalidPrinted(`${at}.${where}[${k}]`, goQuantity(q), detail));
  };
  const text = quantityText;
  if (min !== undefined && max !== undefined && compareQuantities(min, max) > 0) invalid('min', min, `min value ${text(min)} is greater than max value ${text(max)}`);
  if (request !== undefined && min !== undefined && compareQuantities(min, request) > 0) invalid('defaultRequest', request, `min value ${text(min)} is greater than default request value ${text(request)}`);
  if (request !== undefined && max !== undefined && compareQuantities(request, max) > 0) invalid('defaultRequest', request, `default request value ${text(request)} is greater than max value ${text(max)}`);
  if (request !== undefined && def !== undefined && compareQuantities(request, def) > 0) invalid('defaultRequest', request, `default request value ${text(request)} is greater than default limit value ${text(def)}`);
  if (def !== undefined && min !== undefined && compareQuantities(min, def) > 0) invalid('default', min, `min value ${text(min)} is greater than default value ${text(def)}`);
  if (def !== undefined && max !== undefined && compareQuantities(def, max) > 0) invalid('default', max, `default value ${text(def)} is greater than max value ${text(max)}`);
  if (ratio !== undefined && compareQuantities(ratio, { mantissa: 1n, exponent: 0, format: 'DecimalSI' }) < 0) invalid('maxLimitRequestRatio', ratio, `ratio ${text(ratio)} is less than 1`);
  if (ratio !== undefined && min !== undefined && max !== undefined) {
    // Milli units when all three fit them, whole units otherwise, as kube-apiserver compares them.
    const maxMilli = 9223372036854775n;
    const milli = scaledValue(ratio, 0) < maxMilli && scaledValue(min, 0) < maxMilli && scaledValue(max, 0) < maxMilli;
    const ratioValue = milli ? Number(scaledValue(ratio, -3)) / 1000 : Number(scaledValue(ratio, 0));
    const limit = Number(scaledValue(max, milli ? -3 : 0)) / Number(scaledValue(min, milli ? -3 : 0));
    if (ratioValue > limit) invalid('maxLimitRequestRatio', ratio, `ratio ${text(ratio)} is greater than max/min = ${goFloat(limit)}`);
  }
  return causes;
}

/** Go's %f. */
function goFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  return x.toFixed(6);
}

/** ValidateLimitRange's checks of spec.limits. */
function validateLimits(o: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const seenTypes = new Set<unknown>();
  arrayOf(field(o, 'spec')?.limits).forEach((item, i) => {
    const at = `spec.limits[${i}]`;
    const type = typeof item.type === 'string' ? item.type : '';
    causes.push(...typeErrors(type, `${at}.type`));
    if (seenTypes.has(type)) causes.push(fieldErrors.duplicate(`${at}.type`, type));
    seenTypes.add(type);
    const nameErrors = (name: string, where: string): StatusCause[] => (type === 'Pod' || type === 'Container' ? containerResourceNameErrors(name, `${at}.${where}[${name}]`) : resourceNameErrors(name, `${at}.${where}[${name}]`));
    const lists = {
      min: field(item, 'min') ?? {},
      max: field(item, 'max') ?? {},
      default: field(item, 'default') ?? {},
      defaultRequest: field(item, 'defaultRequest') ?? {},
      maxLimitRequestRatio: field(item, 'maxLimitRequestRatio') ?? {},
    };
    const keys = new Set<string>();
    const named = (where: keyof typeof lists): void => {
      for (const name of Object.keys(lists[where])) {
        causes.push(...nameErrors(name, where));
        keys.add(name);
      }
    };
    named('max');
    named('min');
    if (type === 'Pod') {
      if (Object.keys(lists.default).length > 0) causes.push(fieldErrors.forbidden(`${at}.default`, "may not be specified when `type` is 'Pod'"));
      if (Object.keys(lists.defaultRequest).length > 0) causes.push(fieldErrors.forbidden(`${at}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
    } else {
      named('default');
      named('defaultRequest');
    }
    if (type === 'PersistentVolumeClaim' && lists.min.storage === undefined && lists.max.storage === undefined) {
      causes.push(fieldErrors.required(`${at}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
    }
    named('maxLimitRequestRatio');
    // A Pod limit's defaults were refused above and take no part in the checks.
    const unused = new Set<keyof typeof lists>(type === 'Pod' ? ['default', 'defaultRequest'] : []);
    // kube-apiserver walks a set, in no fixed order; sorted here.
    for (const k of [...keys].sort()) {
      const bound = (where: keyof typeof lists): Quantity | undefined => (unused.has(where) ? undefined : listQuantity(lists[where][k]));
      causes.push(...boundsErrors(at, k, { min: bound('min'), max: bound('max'), default: bound('default'), defaultRequest: bound('defaultRequest'), maxLimitRequestRatio: bound('maxLimitRequestRatio') }));
    }
  });
  return causes;
}

/** limitranges (v1): per-namespace resource bounds and defaults; container defaults fill in from max and default. */
export const limitRangeStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'limitranges', singular: 'limitrange', kind: 'LimitRange', listKind: 'LimitRangeList', namespaced: true, shortNames: ['limits'] }),
  {
    allowCreateOnUpdate: true,
    // A LimitRange needs no name: kube-apiserver's strategy gives it a UUID.
    prepareForCreate: (o) => {
      if (o.metadata.name === undefined || o.metadata.name === '') o.metadata.name = randomUUID();
    },
    applyDefaults: (o) => {
      for (const item of arrayOf(field(o, 'spec')?.limits)) {
        if (item.type !== 'Container') continue;
        const def: Record<string, unknown> = { ...(field(item, 'default') ?? {}) };
        for (const [k, v] of Object.entries(field(item, 'max') ?? {})) def[k] ??= v;
        const req: Record<string, unknown> = { ...(field(item, 'defaultRequest') ?? {}) };
        for (const [k, v] of Object.entries(def)) req[k] ??= v;
        for (const [k, v] of Object.entries(field(item, 'min') ?? {})) req[k] ??= v;
        if (Object.keys(def).length > 0) item.default = def;
        if (Object.keys(req).length > 0) item.defaultRequest = req;
      }
    },
    validate: validateLimits,
    table: {
      columns: [nameColumn, column('Created At', 'When the object was created.', 0, 'date')],
      cells: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? ''],
    },
  },
);
