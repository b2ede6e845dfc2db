/**
 * kubectl's client-side apply annotation, kept in step by server-side apply:
 * when the manager `kubectl` applies to an object that carries
 * `kubectl.kubernetes.io/last-applied-configuration`, the annotation becomes the
 * applied configuration, as kube-apiserver keeps it (so a later client-side
 * apply computes its patch from what was last applied either way).
 */
import type { KubeObject } from '../generic/types.js';
import { goJson } from '../validation/go-values.js';

export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

/** The manager whose applies keep the annotation. */
const kubectlManager = 'kubectl';

/** Sets the annotation of obj (the applied result) from config when manager is kubectl and live carried it. */
export function syncLastApplied(obj: KubeObject, live: KubeObject | undefined, config: KubeObject, manager: string): void {
  if (manager !== kubectlManager || live?.metadata.annotations?.[lastAppliedAnnotation] === undefined) return;
  const applied = structuredClone(config);
  const annotations = applied.metadata.annotations;
  if (annotations !== undefined) {
    delete annotations[lastAppliedAnnotation];
    if (Object.keys(annotations).length === 0) delete applied.metadata.annotations;
  }
  obj.metadata.annotations = { ...obj.metadata.annotations, [lastAppliedAnnotation]: `${goJson(applied)}\n` };
}
