import type { IncomingHttpHeaders } from 'node:http';
import type { DiffCase, Json, Step, WaitStep } from './case.js';
import { send, watch, type HttpResponse, type Target } from './http-client.js';

/** A name the server made from a generateName earlier in the case. */
export interface GeneratedName {
  readonly name: string;
  readonly prefix: string;
}

/** What one step got from one server, before normalization. */
export interface StepResult {
  readonly step: Step;
  /** The request's path and query string after placeholders were replaced. */
  readonly sentPath: string;
  /** The request body as sent, when there was one. */
  readonly sentBody?: string;
  /** HTTP status; 0 when no response came. */
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body parsed as JSON; undefined when it was empty or not JSON. */
  readonly json: unknown;
  /** The body as text (for a watch: what was left after the events). */
  readonly text: string;
  /** A watch's events, parsed. */
  readonly events?: readonly unknown[];
  /** Why no response came. */
  readonly error?: string;
  /** Names made from generateName by this step or earlier ones of its case, which later messages may quote. */
  readonly generatedNames?: readonly GeneratedName[];
}

const requestTimeoutMs = 10_000;
const defaultWatchTimeoutMs = 3000;

/** Reads a dotted path (a.b.0.c) out of a parsed JSON value. */
export function pick(value: unknown, path: string): unknown {
  let at: unknown = value;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/** Replaces the placeholders case.ts describes, from the namespace and earlier results. */
export function substitute(text: string, ns: string, earlier: ReadonlyMap<string, StepResult>): string {
  return text.replace(/\{(ns|rv:[^}:]+|ref:[^}:]+:[^}]+)\}/g, (_whole, what: string) => {
    if (what === 'ns') return ns;
    const [form, stepId, path] = what.split(':') as [string, string, string | undefined];
    const found = pick(earlier.get(stepId)?.json, form === 'rv' ? 'metadata.resourceVersion' : (path ?? ''));
    return typeof found === 'string' || typeof found === 'number' ? String(found) : '';
  });
}

function substituteJson(value: Json, ns: string, earlier: ReadonlyMap<string, StepResult>): Json {
  if (typeof value === 'string') {
    // A string that is one {ref:...} naming a number or boolean becomes that value, so a body can reuse an allocated port.
    const whole = /^\{ref:([^}:]+):([^}]+)\}$/.exec(value);
    const found = whole ? pick(earlier.get(whole[1]!)?.json, whole[2]!) : undefined;
    if (typeof found === 'number' || typeof found === 'boolean') return found;
    return substitute(value, ns, earlier);
  }
  if (Array.isArray(value)) return value.map((v: Json) => substituteJson(v, ns, earlier));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [substitute(k, ns, earlier), substituteJson(v, ns, earlier)]));
  }
  return value;
}

function pathWithQuery(path: string, query: Readonly<Record<string, string>> | undefined, ns: string, earlier: ReadonlyMap<string, StepResult>): string {
  const base = substitute(path, ns, earlier);
  if (!query || Object.keys(query).length === 0) return base;
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, substitute(v, ns, earlier)]));
  return `${base}?${qs.toString()}`;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const defaultWaitTimeoutMs = 20_000;
const waitPollMs = 100;

/** Whether a wait step's condition holds for one answer. */
function waitMet(step: WaitStep, res: HttpResponse): boolean {
  if (step.until === 'gone') return res.status === 404;
  if (step.until === 'served') return res.status === 200;
  const conditions = pick(parseJson(res.body), 'status.conditions');
  return res.status === 200 && Array.isArray(conditions) && conditions.some((c: unknown) => pick(c, 'type') === 'Established' && pick(c, 'status') === 'True');
}

/** Polls a wait step's path until its condition holds; the result's json says whether it did (met or timed out). */
async function runWait(target: Target, step: WaitStep, ns: string, earlier: ReadonlyMap<string, StepResult>): Promise<StepResult> {
  const sentPath = substitute(step.path, ns, earlier);
  const deadline = Date.now() + (step.timeoutMs ?? defaultWaitTimeoutMs);
  for (;;) {
    const res = await send(target, { method: 'GET', path: sentPath, headers: { accept: 'application/json' }, timeoutMs: requestTimeoutMs });
    const met = waitMet(step, res);
    if (met || Date.now() >= deadline) {
      const json = { waited: step.until, outcome: met ? 'met' : 'timed out' };
      return { step, sentPath, status: 200, headers: { 'content-type': 'application/json' }, json, text: JSON.stringify(json) };
    }
    await new Promise((r) => setTimeout(r, waitPollMs));
  }
}

async function runStep(target: Target, step: Step, ns: string, earlier: ReadonlyMap<string, StepResult>): Promise<StepResult> {
  if (step.kind === 'wait') return runWait(target, step, ns, earlier);
  const headers: Record<string, string> = { accept: step.accept ?? 'application/json' };
  if (step.acceptEncoding !== undefined) headers['accept-encoding'] = step.acceptEncoding;
  if (step.kind === 'watch') {
    const sentPath = pathWithQuery(step.path, { watch: 'true', ...step.query }, ns, earlier);
    const res = await watch(target, { method: 'GET', path: sentPath, headers, timeoutMs: step.timeoutMs ?? defaultWatchTimeoutMs }, step.events);
    return { step, sentPath, status: res.status, headers: res.headers, json: parseJson(res.body), text: res.body, events: res.events, error: res.error };
  }
  const sentPath = pathWithQuery(step.path, step.query, ns, earlier);
  let body: string | undefined;
  if (step.rawBody !== undefined) body = substitute(step.rawBody, ns, earlier);
  else if (step.body !== undefined) body = JSON.stringify(substituteJson(step.body, ns, earlier));
  if (body !== undefined) headers['content-type'] = step.contentType ?? 'application/json';
  const res: HttpResponse = await send(target, { method: step.method, path: sentPath, headers, body, timeoutMs: requestTimeoutMs });
  return { step, sentPath, sentBody: body, status: res.status, headers: res.headers, json: parseJson(res.body), text: res.body, error: res.error };
}

/** Runs a case's steps in order against one server in namespace ns. */
export async function runCase(target: Target, c: DiffCase, ns: string): Promise<StepResult[]> {
  const earlier = new Map<string, StepResult>();
  const results: StepResult[] = [];
  let generatedNames: readonly GeneratedName[] = [];
  for (const step of c.steps) {
    const result = await runStep(target, step, ns, earlier);
    const name = pick(result.json, 'metadata.name');
    const prefix = pick(result.json, 'metadata.generateName');
    if (typeof name === 'string' && typeof prefix === 'string' && prefix !== '' && name.startsWith(prefix) && !generatedNames.some((g) => g.name === name)) {
      generatedNames = [...generatedNames, { name, prefix }];
    }
    earlier.set(step.id, { ...result, generatedNames });
    results.push({ ...result, generatedNames });
  }
  return results;
}

/**
 * Creates the case's namespace and its `default` ServiceAccount (kube-apiserver's
 * ServiceAccount admission wants it for Pods, and no controller makes it here);
 * an AlreadyExists answer is fine. Throws on any other failure.
 */
export async function prepareNamespace(target: Target, ns: string): Promise<void> {
  const post = async (path: string, body: Json): Promise<void> => {
    const res = await send(target, {
      method: 'POST',
      path,
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(body),
      timeoutMs: requestTimeoutMs,
    });
    if (res.status !== 201 && res.status !== 409) throw new Error(`${target.name}: POST ${path} answered ${res.status} ${res.error ?? res.body}`);
  };
  await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await post(`/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
}
