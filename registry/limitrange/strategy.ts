import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';
import { quantityNumber } from '../../schemas/quantity.js';

const limitTypes = ['Container', 'Pod', 'PersistentVolumeClaim'];

/** limitranges (v1): per-namespace resource bounds and defaults; container defaults fill in from max and default. */
export const limitRangeStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'limitranges', singular: 'limitrange', kind: 'LimitRange', listKind: 'LimitRangeList', namespaced: true, shortNames: ['limits'] }),
  {
    allowCreateOnUpdate: true,
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
    validate: (o) => {
      const causes: StatusCause[] = [];
      arrayOf(field(o, 'spec')?.limits).forEach((item, i) => {
        const at = `spec.limits[${i}]`;
        if (!limitTypes.includes(String(item.type))) causes.push(fieldErrors.notSupported(`${at}.type`, item.type ?? '', limitTypes));
        const min = field(item, 'min') ?? {};
        const max = field(item, 'max') ?? {};
        for (const [k, v] of Object.entries(min)) {
          if (max[k] !== undefined && quantityNumber(v) > quantityNumber(max[k])) causes.push(fieldErrors.invalid(`${at}.min[${k}]`, v, `min value ${String(v)} is greater than max value ${String(max[k])}`));
        }
        if (item.type === 'Pod' && (item.default !== undefined || item.defaultRequest !== undefined)) causes.push(fieldErrors.forbidden(`${at}.default`, 'may not be specified when `type` is \'Pod\''));
      });
      return causes;
    },
    table: {
      columns: [nameColumn, column('Created At', 'When the object was created.', 0, 'date')],
      cells: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? ''],
    },
  },
);
