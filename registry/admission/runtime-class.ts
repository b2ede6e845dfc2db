/**
 * The RuntimeClass admission plugin, as kube-apiserver runs it on pod creation: a pod
 * naming a RuntimeClass gets the class's overhead (refused if it brings a different one)
 * and its scheduling constraints (node selector entries, which may not conflict with the
 * pod's, and tolerations, merged); a pod bringing an overhead without a class that
 * defines one is refused.
 */
import { isDeepStrictEqual } from 'node:util';
import { errors } from '../generic/api-error.js';
import { arrayOf, child, field } from '../generic/base-strategy.js';
import type { KubeObject } from '../generic/types.js';
import { compareQuantities, parseQuantity } from '../../schemas/quantity.js';
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';
import type { ObjectLookup } from './lookup.js';

type Obj = Record<string, unknown>;

const isPodCreate = (r: AdmissionRequest): r is AdmissionRequest & { object: KubeObject } =>
  r.operation === 'CREATE' && r.subresource === undefined && r.resource.group === '' && r.resource.resource === 'pods' && r.object !== undefined;

/** Semantic equality of two ResourceLists: the same names, each quantity of the same value. */
function sameResources(a: Obj, b: Obj): boolean {
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  return names.every((name) => {
    const x = parseQuantity(a[name]);
    const y = parseQuantity(b[name]);
    return x !== undefined && y !== undefined && compareQuantities(x, y) === 0;
  });
}

/** Whether toleration ss tolerates everything t does (kube-apiserver's isSuperset). */
function covers(ss: Obj, t: Obj): boolean {
  if (isDeepStrictEqual(ss, t)) return true;
  const text = (x: unknown): string => (typeof x === 'string' ? x : '');
  if (text(t.key) !== text(ss.key) && (text(ss.key) !== '' || ss.operator !== 'Exists')) return false;
  if (text(t.effect) !== text(ss.effect) && text(ss.effect) !== '') return false;
  if (ss.effect === 'NoExecute' && typeof ss.tolerationSeconds === 'number') {
    if (typeof t.tolerationSeconds !== 'number' || t.tolerationSeconds > ss.tolerationSeconds) return false;
  }
  if (ss.operator === 'Equal' || text(ss.operator) === '') return t.operator === 'Equal' && text(t.value) === text(ss.value);
  return ss.operator === 'Exists';
}

/** Tolerations of both lists, without those another one covers (of two equal ones, the first stays). */
export function mergeTolerations(first: readonly Obj[], second: readonly Obj[]): Obj[] {
  const all = [...first, ...second];
  const merged: Obj[] = [];
  all.forEach((t, i) => {
    if (merged.some((kept) => covers(kept, t))) return;
    if (all.slice(i + 1).some((later) => !isDeepStrictEqual(t, later) && covers(later, t))) return;
    merged.push(t);
  });
  return merged;
}

export function runtimeClass(lookup: ObjectLookup): AdmissionPlugin {
  /** The pod's RuntimeClass: undefined when it names none; a refusal when the class does not exist. */
  const classOf = async (r: AdmissionRequest & { object: KubeObject }): Promise<KubeObject | undefined> => {
    const name = field(r.object, 'spec')?.runtimeClassName;
    if (typeof name !== 'string' || name === '') return undefined;
    const found = await lookup.get('node.k8s.io', 'v1', 'runtimeclasses', undefined, name, true);
    if (found === undefined) throw errors.forbidden(r.resource, r.name, `pod rejected: RuntimeClass ${JSON.stringify(name)} not found`);
    return found;
  };
  const mismatch = (r: AdmissionRequest) => errors.forbidden(r.resource, r.name, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
  return {
    name: 'RuntimeClass',
    admit: async (r) => {
      if (!isPodCreate(r)) return;
      const rc = await classOf(r);
      if (rc === undefined) return;
      const spec = child(r.object, 'spec');
      const podFixed = field(field(rc, 'overhead'), 'podFixed');
      if (field(rc, 'overhead') !== undefined) {
        const given = field(spec, 'overhead');
        if (given !== undefined && Object.keys(given).length > 0 && !sameResources(given, podFixed ?? {})) throw mismatch(r);
        if (podFixed === undefined) delete spec.overhead;
        else spec.overhead = structuredClone(podFixed);
      }
      const scheduling = field(rc, 'scheduling');
      if (scheduling === undefined) return;
      const wanted = (field(scheduling, 'nodeSelector') ?? {}) as Record<string, string>;
      const selector = field(spec, 'nodeSelector') as Record<string, string> | undefined;
      if (selector === undefined) {
        if (Object.keys(wanted).length > 0) spec.nodeSelector = { ...wanted };
      } else {
        for (const [key, value] of Object.entries(wanted)) {
          if (selector[key] !== undefined && selector[key] !== value) {
            throw errors.forbidden(r.resource, r.name, `conflict: runtimeClass.scheduling.nodeSelector[${key}] = ${value}; pod.spec.nodeSelector[${key}] = ${selector[key]}`);
          }
          selector[key] = value;
        }
      }
      // The class is the watch cache's shared copy: what the pod takes from it is copied.
      const tolerations = mergeTolerations(arrayOf(spec.tolerations), structuredClone(arrayOf(scheduling.tolerations)));
      if (tolerations.length > 0) spec.tolerations = tolerations;
    },
    validate: async (r) => {
      if (!isPodCreate(r)) return;
      const rc = await classOf(r);
      const overhead = field(field(r.object, 'spec'), 'overhead');
      const defined = field(rc, 'overhead');
      if (defined !== undefined) {
        if (!sameResources(field(defined, 'podFixed') ?? {}, overhead ?? {})) throw mismatch(r);
      } else if (overhead !== undefined) {
        throw errors.forbidden(r.resource, r.name, 'pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
      }
    },
  };
}
