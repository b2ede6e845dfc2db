import { randomInt } from 'node:crypto';
import { errors } from '../generic/api-error.js';
import { arrayOf, child } from '../generic/base-strategy.js';
import type { KubeObject } from '../generic/types.js';
import type { AdmissionPlugin } from './admission.js';
import type { ObjectLookup } from './lookup.js';

/** Where a pod's service account credentials are mounted. */
export const serviceAccountMountPath = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Seconds a projected token is asked for: an hour plus the 7 s kube-apiserver adds. */
export const projectedTokenSeconds = 3607;

const letters = 'bcdfghjklmnpqrstvwxz2456789';
const suffix = (): string => Array.from({ length: 5 }, () => letters[randomInt(letters.length)]).join('');

/** The projected volume a pod gets: a token, the cluster CA and the namespace. */
function apiAccessVolume(name: string): Record<string, unknown> {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: projectedTokenSeconds, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 420,
    },
  };
}

/**
 * ServiceAccount: a pod runs as its namespace's `default` service account
 * unless it names another, which must exist; unless mounting is turned off, it
 * gets a projected volume with a token and the cluster CA, mounted in every
 * container; the account's image pull secrets become the pod's.
 */
export function serviceAccount(lookup: ObjectLookup): AdmissionPlugin {
  return {
    name: 'ServiceAccount',
    admit: async (r) => {
      if (r.operation !== 'CREATE' || r.subresource !== undefined || r.resource.group !== '' || r.resource.resource !== 'pods' || r.object === undefined) return;
      const pod: KubeObject = r.object;
      if (pod.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined) return;
      const spec = child(pod, 'spec');
      const name = typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '' ? spec.serviceAccountName : 'default';
      spec.serviceAccountName = name;
      spec.serviceAccount = name;
      const sa = await lookup.get('', 'v1', 'serviceaccounts', r.namespace, name);
      if (sa === undefined) {
        throw errors.forbidden(r.resource, r.name, `error looking up service account ${r.namespace ?? ''}/${name}: serviceaccount "${name}" not found`);
      }
      const automount = spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
      if (automount !== false) {
        const containers = [...arrayOf(spec.initContainers), ...arrayOf(spec.containers)];
        const mounted = containers.some((c) => arrayOf(c.volumeMounts).some((m) => m.mountPath === serviceAccountMountPath));
        if (!mounted) {
          const volumes = arrayOf(spec.volumes);
          let volumeName = `kube-api-access-${suffix()}`;
          while (volumes.some((v) => v.name === volumeName)) volumeName = `kube-api-access-${suffix()}`;
          volumes.push(apiAccessVolume(volumeName));
          spec.volumes = volumes;
          for (const c of containers) c.volumeMounts = [...arrayOf(c.volumeMounts), { name: volumeName, readOnly: true, mountPath: serviceAccountMountPath }];
        }
      }
      const pullSecrets = arrayOf(sa.imagePullSecrets);
      if (arrayOf(spec.imagePullSecrets).length === 0 && pullSecrets.length > 0) spec.imagePullSecrets = pullSecrets.map((s) => ({ name: s.name }));
    },
  };
}
