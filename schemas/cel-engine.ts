/**
 * The CEL engine loads on first need. validate-cel.ts and what it pulls in (@bufbuild/cel,
 * @bufbuild/protobuf, @bufbuild/re2: about 3 MiB of heap once loaded) serve only schemas
 * with x-kubernetes-validations, which most control planes never see; so it is loaded
 * (asynchronously, once) where a CRD with rules is met: before such a CRD is validated, and
 * before its custom resources are served. Validation itself stays synchronous.
 */
import { isJsonObject } from './json.js';

type CelEngine = typeof import('./validate-cel.js');

let engine: CelEngine | undefined;
let loading: Promise<CelEngine> | undefined;

/** Loads the engine (once); resolves when celEngine() can be called. */
export function loadCelEngine(): Promise<CelEngine> {
  loading ??= import('./validate-cel.js').then((m) => (engine = m));
  return loading;
}

/** The engine; a programming error (thrown) when nothing loaded it first. */
export function celEngine(): CelEngine {
  if (engine === undefined) throw new Error('the CEL engine is used before loadCelEngine() loaded it');
  return engine;
}

/** Whether value (a schema, a CRD's spec) has an x-kubernetes-validations anywhere in it. */
export function hasCelRules(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasCelRules);
  if (!isJsonObject(value)) return false;
  if (Object.hasOwn(value, 'x-kubernetes-validations')) return true;
  return Object.values(value).some(hasCelRules);
}
