import type { DiffCase } from '../case.js';
import { apiMachineryCases } from './api-machinery.js';
import { appsCases } from './apps.js';
import { autoscalingCases } from './autoscaling.js';
import { batchCases } from './batch.js';
import { coordinationDiscoveryPolicyCases } from './coordination-discovery-policy.js';
import { coreConfigCases } from './core-config.js';
import { coreOtherCases } from './core-other.js';
import { customResourceCases } from './custom-resources.js';
import { discoveryCases } from './discovery.js';
import { eventCases } from './events.js';
import { kubeletCases } from './kubelet.js';
import { namespaceCases } from './namespaces.js';
import { networkingCases } from './networking.js';
import { podCases } from './pods.js';
import { rbacCases } from './rbac.js';
import { schedulingNodeStorageCases } from './scheduling-node-storage.js';
import { serverSideApplyCases } from './server-side-apply.js';
import { serviceCases } from './services.js';

/** The whole corpus: first the kinds Kite serves today, then the ones it does not serve yet. */
export const allCases: readonly DiffCase[] = [
  ...discoveryCases,
  ...apiMachineryCases,
  ...namespaceCases,
  ...coreConfigCases,
  ...serviceCases,
  ...podCases,
  ...kubeletCases,
  ...eventCases,
  ...appsCases,
  ...coreOtherCases,
  ...batchCases,
  ...coordinationDiscoveryPolicyCases,
  ...networkingCases,
  ...autoscalingCases,
  ...schedulingNodeStorageCases,
  ...rbacCases,
  ...customResourceCases,
  ...serverSideApplyCases,
];
