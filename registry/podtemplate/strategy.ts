import { isDeepStrictEqual } from 'node:util';
import { arrayOf, baseStrategy, child, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { column, nameColumn } from '../generic/table.js';
import { defaultPodTemplate, validatePodTemplate } from '../pod/pod-spec.js';
import { templateWarnings } from '../pod/pod-warnings.js';

/** podtemplates (v1): a named pod template. */
export const podTemplateStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'podtemplates', singular: 'podtemplate', kind: 'PodTemplate', listKind: 'PodTemplateList', namespaced: true }),
  {
    returnDeletedObject: true,
    generation: true,
    applyDefaults: (o) => defaultPodTemplate(child(o, 'template')),
    // kube-apiserver's Warnings for a template that is valid but probably not meant.
    warnings: (o, old) => templateWarnings(o, old, ['template']),
    validate: (o) => validatePodTemplate(field(o, 'template'), 'template'),
    isSpecChange: (o, old) => !isDeepStrictEqual(o.template, old.template),
    table: {
      columns: [nameColumn, column('Containers', 'Names of each container in the template.'), column('Images', 'Images referenced by each container in the template.'), column('Pod Labels', 'The labels of the pod template.')],
      cells: (o) => {
        const template = field(o, 'template');
        const containers = arrayOf(field(template, 'spec')?.containers);
        const labels = Object.entries(field(field(template, 'metadata'), 'labels') ?? {})
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(',');
        return [o.metadata.name, containers.map((c) => String(c.name ?? '')).join(','), containers.map((c) => String(c.image ?? '')).join(','), labels === '' ? '<none>' : labels];
      },
    },
  },
);
