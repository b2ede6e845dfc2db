import type { DiffCase } from '../case.js';
import { invalidCreateCases, makeObject, objectPath, standardCases, type Fixture } from './standard.js';
import { get, patch, post } from './steps.js';

/** autoscaling/v1 and autoscaling/v2 HorizontalPodAutoscalers: one stored object, two shapes. */

const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };

const hpaV2: Fixture = {
  id: 'hpav2',
  collection: '/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers',
  namespaced: true,
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  content: { spec: { scaleTargetRef: target, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] } },
};

const hpaV1: Fixture = {
  id: 'hpav1',
  collection: '/apis/autoscaling/v1/namespaces/{ns}/horizontalpodautoscalers',
  namespaced: true,
  apiVersion: 'autoscaling/v1',
  kind: 'HorizontalPodAutoscaler',
  content: { spec: { scaleTargetRef: target, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 70 } },
};

const handWritten: DiffCase[] = [
  ...invalidCreateCases(hpaV2, [
    ['max-below-min', 'maxReplicas below minReplicas', { spec: { scaleTargetRef: target, minReplicas: 5, maxReplicas: 2 } }],
    ['min-zero', 'minReplicas 0', { spec: { scaleTargetRef: target, minReplicas: 0, maxReplicas: 2 } }],
    ['no-target-kind', 'a scaleTargetRef without kind', { spec: { scaleTargetRef: { name: 'web' }, maxReplicas: 2 } }],
    ['metric-type', 'a metric of type Magic', { spec: { scaleTargetRef: target, maxReplicas: 2, metrics: [{ type: 'Magic' }] } }],
    ['utilization-zero', 'averageUtilization 0', { spec: { scaleTargetRef: target, maxReplicas: 2, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } } }] } }],
    ['behavior-policy', 'a scaling policy with periodSeconds 0', { spec: { scaleTargetRef: target, maxReplicas: 2, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 0 }] } } } }],
  ]),
  ...invalidCreateCases(hpaV1, [
    ['max-below-min', 'maxReplicas below minReplicas', { spec: { scaleTargetRef: target, minReplicas: 5, maxReplicas: 2 } }],
    ['cpu-negative', 'targetCPUUtilizationPercentage -1', { spec: { scaleTargetRef: target, maxReplicas: 2, targetCPUUtilizationPercentage: -1 } }],
  ]),
  {
    id: 'hpa-versions-status',
    title: 'an autoscaling/v2 HPA reads back as autoscaling/v1 and the other way round; horizontalpodautoscalers/status',
    steps: [
      post('create-v2', hpaV2.collection, makeObject(hpaV2, 'two')),
      get('read-v1', objectPath(hpaV1, 'two')),
      post('create-v1', hpaV1.collection, makeObject(hpaV1, 'one')),
      get('read-v2', objectPath(hpaV2, 'one')),
      patch('status', `${objectPath(hpaV2, 'two')}/status`, 'merge', { status: { currentReplicas: 1, desiredReplicas: 2 } }),
      patch('status-negative', `${objectPath(hpaV2, 'two')}/status`, 'merge', { status: { desiredReplicas: -1 } }),
      get('get-status-v1', `${objectPath(hpaV1, 'two')}/status`),
    ],
  },
];

export const autoscalingCases: readonly DiffCase[] = [...standardCases(hpaV2), ...standardCases(hpaV1), ...handWritten];
