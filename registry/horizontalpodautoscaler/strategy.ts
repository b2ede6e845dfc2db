/**
 * horizontalpodautoscalers, served as autoscaling/v2 (how they are stored)
 * and autoscaling/v1 (CPU utilization only, converted to and from v2).
 */
import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, child, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy, VersionConversion } from '../generic/strategy.js';
import type { TableConvertor } from '../generic/table.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { fieldErrors } from '../validation/field-errors.js';
import { nonNegativeStatus } from '../validation/status.js';

type Obj = Record<string, unknown>;

/** The CPU utilization metric Kubernetes defaults to: 80%. */
const cpuMetric = (utilization: number): Obj => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: utilization } } });

function validateHpa(s: Obj): StatusCause[] {
  const causes: StatusCause[] = [];
  const min = typeof s.minReplicas === 'number' ? s.minReplicas : 1;
  const max = typeof s.maxReplicas === 'number' ? s.maxReplicas : 0;
  if (min < 1) causes.push(fieldErrors.invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (max < 1) causes.push(fieldErrors.invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (max < min) causes.push(fieldErrors.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  const ref = field(s, 'scaleTargetRef') ?? {};
  if (typeof ref.kind !== 'string' || ref.kind === '') causes.push(fieldErrors.required('spec.scaleTargetRef.kind'));
  if (typeof ref.name !== 'string' || ref.name === '') causes.push(fieldErrors.required('spec.scaleTargetRef.name'));
  arrayOf(s.metrics).forEach((m, i) => causes.push(...validateMetric(m, `spec.metrics[${i}]`)));
  // Scaling to zero needs a metric that does not come from the pods.
  if (min === 0 && !arrayOf(s.metrics).some((m) => m.type === 'Object' || m.type === 'External')) {
    causes.push(fieldErrors.forbidden('spec.metrics', 'must specify at least one Object or External metric to support scaling to zero replicas'));
  }
  for (const direction of ['scaleUp', 'scaleDown']) {
    arrayOf(field(field(s, 'behavior'), direction)?.policies).forEach((p, i) => {
      const at = `spec.behavior.${direction}.policies[${i}]`;
      if (typeof p.periodSeconds === 'number' && p.periodSeconds <= 0) causes.push(fieldErrors.invalid(`${at}.periodSeconds`, p.periodSeconds, 'must be greater than zero'));
      if (typeof p.value === 'number' && p.value <= 0) causes.push(fieldErrors.invalid(`${at}.value`, p.value, 'must be greater than zero'));
    });
  }
  return causes;
}

const metricTypes = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
/** Each metric type's source field. */
const metricSources: Record<string, string> = { ContainerResource: 'containerResource', External: 'external', Object: 'object', Pods: 'pods', Resource: 'resource' };

/** One metric spec: a known type, and a target whose utilization (when given) is positive. */
function validateMetric(m: Obj, at: string): StatusCause[] {
  const type = String(m.type ?? '');
  // kube-apiserver reports an unknown type twice (its type check, then its source check).
  if (!metricTypes.includes(type)) return [fieldErrors.notSupported(`${at}.type`, m.type ?? '', metricTypes), fieldErrors.notSupported(`${at}.type`, m.type ?? '', metricTypes)];
  const source = metricSources[type]!;
  const target = field(field(m, source), 'target');
  const utilization = target?.averageUtilization;
  return typeof utilization === 'number' && utilization < 1 ? [fieldErrors.invalid(`${at}.${source}.target.averageUtilization`, utilization, 'must be greater than 0')] : [];
}

/** Current/target of each metric, as the TARGETS column prints them. */
function targets(o: KubeObject): string {
  const metrics = arrayOf(field(o, 'spec')?.metrics);
  const current = arrayOf(field(o, 'status')?.currentMetrics);
  if (metrics.length === 0) return '<none>';
  return metrics
    .map((m, i) => {
      const target = field(field(m, String(m.type === 'Resource' ? 'resource' : m.type === 'Pods' ? 'pods' : m.type === 'Object' ? 'object' : m.type === 'External' ? 'external' : 'containerResource')), 'target') ?? {};
      const now = field(field(current[i], 'resource'), 'current');
      if (target.type === 'Utilization') return `${now?.averageUtilization === undefined ? '<unknown>' : `${String(now.averageUtilization)}%`}/${String(target.averageUtilization)}%`;
      const want = target.averageValue ?? target.value ?? '';
      return `${now?.averageValue === undefined ? '<unknown>' : String(now.averageValue)}/${String(want)}`;
    })
    .join(', ');
}

const table: TableConvertor = {
  columns: [
    nameColumn,
    column('Reference', 'What it scales.'),
    column('Targets', 'Current and target metric values.'),
    column('MinPods', 'The fewest replicas.'),
    column('MaxPods', 'The most replicas.'),
    column('Replicas', 'Replicas now.'),
    ageColumn,
  ],
  cells: (o, now) => {
    const s = field(o, 'spec') ?? {};
    const ref = field(s, 'scaleTargetRef') ?? {};
    return [
      o.metadata.name,
      `${String(ref.kind ?? '')}/${String(ref.name ?? '')}`,
      targets(o),
      s.minReplicas === undefined ? '<unset>' : String(s.minReplicas),
      Number(s.maxReplicas ?? 0),
      Number(field(o, 'status')?.currentReplicas ?? 0),
      age(o.metadata.creationTimestamp, now),
    ];
  },
};

const info = (version: string) =>
  resourceInfo({ group: 'autoscaling', version, resource: 'horizontalpodautoscalers', singular: 'horizontalpodautoscaler', kind: 'HorizontalPodAutoscaler', listKind: 'HorizontalPodAutoscalerList', namespaced: true, shortNames: ['hpa'], categories: ['all'], subresources: ['status'], storageApiVersion: 'autoscaling/v2' });

/** autoscaling/v2: the stored version. */
export const hpaV2Strategy: Strategy = baseStrategy(info('v2'), {
  prepareForCreate: (o) => {
    o.status = {};
  },
  prepareForStatusUpdate: (o, old) => {
    o.spec = structuredClone(old.spec);
  },
  validateStatusUpdate: (o) => nonNegativeStatus(o, ['currentReplicas', 'desiredReplicas']),
  applyDefaults: (o) => {
    const s = child(o, 'spec');
    s.minReplicas ??= 1;
    if (arrayOf(s.metrics).length === 0) s.metrics = [cpuMetric(80)];
  },
  validate: (o) => validateHpa(field(o, 'spec') ?? {}),
  isSpecChange: (o, old) => !isDeepStrictEqual(o.spec, old.spec),
  table,
});

/** autoscaling/v1 <-> v2: targetCPUUtilizationPercentage is the v2 CPU utilization metric. */
const v1Conversion: VersionConversion = {
  storageApiVersion: 'autoscaling/v2',
  storageKind: 'HorizontalPodAutoscaler',
  toStorage: (o) => {
    const out = structuredClone(o);
    const s = child(out, 'spec');
    const target = s.targetCPUUtilizationPercentage;
    delete s.targetCPUUtilizationPercentage;
    s.metrics = [cpuMetric(typeof target === 'number' ? target : 80)];
    const st = field(out, 'status');
    if (st !== undefined) {
      const cpu = st.currentCPUUtilizationPercentage;
      delete st.currentCPUUtilizationPercentage;
      delete st.observedGeneration;
      if (typeof cpu === 'number') st.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cpu } } }];
      else st.currentMetrics ??= null;
      // v2 leaves a zero currentReplicas out (omitempty); v1 writes it.
      if (st.currentReplicas === 0) delete st.currentReplicas;
    }
    return out;
  },
  fromStorage: (o) => {
    const out = structuredClone(o);
    const s = child(out, 'spec');
    const cpu = arrayOf(s.metrics).find((m) => m.type === 'Resource' && field(m, 'resource')?.name === 'cpu' && field(field(m, 'resource'), 'target')?.type === 'Utilization');
    delete s.metrics;
    delete s.behavior;
    const utilization = field(field(cpu, 'resource'), 'target')?.averageUtilization;
    if (typeof utilization === 'number') s.targetCPUUtilizationPercentage = utilization;
    const st = field(out, 'status');
    if (st !== undefined) {
      const current = arrayOf(st.currentMetrics).find((m) => m.type === 'Resource' && field(m, 'resource')?.name === 'cpu');
      const value = field(field(current, 'resource'), 'current')?.averageUtilization;
      delete st.currentMetrics;
      delete st.conditions;
      if (typeof value === 'number') st.currentCPUUtilizationPercentage = value;
      st.currentReplicas ??= 0;
    }
    return out;
  },
};

/** autoscaling/v1: CPU utilization only. */
export const hpaV1Strategy: Strategy = baseStrategy(info('v1'), {
  conversion: v1Conversion,
  prepareForCreate: (o) => {
    o.status = {};
  },
  prepareForStatusUpdate: (o, old) => {
    o.spec = structuredClone(old.spec);
  },
  validateStatusUpdate: (o) => nonNegativeStatus(o, ['currentReplicas', 'desiredReplicas']),
  applyDefaults: (o) => {
    child(o, 'spec').minReplicas ??= 1;
  },
  validate: (o) => {
    const s = field(o, 'spec') ?? {};
    const causes = validateHpa(s);
    const t = s.targetCPUUtilizationPercentage;
    // kube-apiserver validates the v2 form a v1 object converts to, and names its field.
    if (t !== undefined && Number(t) < 1) causes.push(fieldErrors.invalid('spec.metrics[0].resource.target.averageUtilization', t, 'must be greater than 0'));
    return causes;
  },
  isSpecChange: (o, old) => !isDeepStrictEqual(o.spec, old.spec),
  table: { columns: table.columns, cells: (o, now) => table.cells(v1Conversion.toStorage(o), now) },
});
