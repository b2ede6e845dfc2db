/**
 * A small controller on @kubernetes/client-node: an informer lists and watches
 * the ConfigMaps of one namespace, and for every ConfigMap labelled
 * `kite.example/mirror=true` keeps a copy named `<name>-mirror` with the same
 * data; when the source goes (or loses the label), the mirror goes too.
 *
 *   npm start                       # a kite apiserver, prints its kubeconfig
 *   KUBECONFIG=... npx tsx examples/controller/configmap-controller.ts [namespace]
 *
 * Every informer event and every action is printed as one JSON line.
 */
import { pathToFileURL } from 'node:url';
import { ApiException, CoreV1Api, KubeConfig, makeInformer, type Informer, type ObjectCache, type V1ConfigMap } from '@kubernetes/client-node';

/** The label that asks for a mirror. */
export const mirrorLabel = 'kite.example/mirror';
/** The label a mirror carries: the name of its source. */
export const mirrorOfLabel = 'kite.example/mirror-of';

/** One informer notification, as the controller saw it. */
export interface InformerEvent {
  readonly kind: 'add' | 'update' | 'delete';
  readonly name: string;
  readonly resourceVersion: string;
}

export interface ControllerOptions {
  readonly namespace: string;
  /** Called for every informer event, in the order the informer delivers them. */
  readonly onEvent?: (event: InformerEvent) => void;
  /** Where the controller reports what it does. */
  readonly log?: (msg: string, fields: Readonly<Record<string, unknown>>) => void;
  /** Wait before restarting the informer after an error, and before retrying a failed reconcile. */
  readonly retryDelayMs?: number;
}

export interface MirrorController {
  /** The informer's cache: the ConfigMaps of the namespace as last seen. */
  readonly cache: ObjectCache<V1ConfigMap>;
  /** Resolves once every reconcile queued so far has run. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * client-node refuses a plain `http:` server unless its cluster says
 * insecure-skip-tls-verify (there is no TLS to verify), which the kubeconfig
 * `kite apiserver` writes does not; this sets it on such clusters only.
 */
export function allowPlainHttp(kc: KubeConfig): void {
  kc.loadFromOptions({
    clusters: kc.clusters.map((c) => (c.server.startsWith('http:') ? { ...c, skipTLSVerify: true } : c)),
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
}

function isSource(cm: V1ConfigMap): boolean {
  return cm.metadata?.labels?.[mirrorLabel] === 'true';
}

function sameData(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ea = Object.entries(a ?? {}).sort(([x], [y]) => x.localeCompare(y));
  const eb = Object.entries(b ?? {}).sort(([x], [y]) => x.localeCompare(y));
  return JSON.stringify(ea) === JSON.stringify(eb);
}

function isNotFound(err: unknown): boolean {
  return err instanceof ApiException && err.code === 404;
}

/** Starts the informer and the reconcile loop; resolves once the first list is in. */
export async function startMirrorController(kc: KubeConfig, options: ControllerOptions): Promise<MirrorController> {
  const { namespace } = options;
  const log = options.log ?? ((): void => undefined);
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const core = kc.makeApiClient(CoreV1Api);
  const informer: Informer<V1ConfigMap> & ObjectCache<V1ConfigMap> = makeInformer(kc, `/api/v1/namespaces/${namespace}/configmaps`, () => core.listNamespacedConfigMap({ namespace }));
  let isStopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const later = (fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!isStopped) fn();
    }, retryDelayMs);
    timers.add(t);
  };

  // One reconcile at a time, in the order they were asked for; a source name is
  // queued at most once while it waits.
  const pending = new Set<string>();
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (source: string): void => {
    if (pending.has(source)) return;
    pending.add(source);
    queue = queue.then(async () => {
      pending.delete(source);
      if (isStopped) return;
      try {
        await reconcile(source);
      } catch (err) {
        log('reconcile failed; will retry', { source, error: err instanceof Error ? err.message : String(err) });
        later(() => enqueue(source));
      }
    });
  };

  /** Makes the mirror of `source` match what the cache says about the source. */
  const reconcile = async (source: string): Promise<void> => {
    const name = `${source}-mirror`;
    const src = informer.get(source, namespace);
    if (src === undefined || !isSource(src)) {
      // Only a mirror this controller made goes; if the cache has not seen it
      // yet, its own add event brings the source back here.
      if (informer.get(name, namespace)?.metadata?.labels?.[mirrorOfLabel] !== source) return;
      try {
        await core.deleteNamespacedConfigMap({ name, namespace });
        log('deleted mirror', { source, mirror: name });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    let current: V1ConfigMap | undefined;
    try {
      current = await core.readNamespacedConfigMap({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const data = { ...(src.data ?? {}) };
    if (current === undefined) {
      await core.createNamespacedConfigMap({ namespace, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { [mirrorOfLabel]: source } }, data } });
      log('created mirror', { source, mirror: name });
    } else if (!sameData(current.data, data)) {
      // The mirror's resourceVersion rides along: a concurrent change makes this a 409, and the retry rereads.
      await core.replaceNamespacedConfigMap({ name, namespace, body: { ...current, data } });
      log('updated mirror', { source, mirror: name });
    }
  };

  const sourceOf = (cm: V1ConfigMap): string | undefined => {
    const of = cm.metadata?.labels?.[mirrorOfLabel];
    return of ?? (cm.metadata?.name ?? undefined);
  };
  const handler = (kind: InformerEvent['kind']) => (cm: V1ConfigMap): void => {
    const event: InformerEvent = { kind, name: cm.metadata?.name ?? '', resourceVersion: cm.metadata?.resourceVersion ?? '' };
    options.onEvent?.(event);
    log('informer', { ...event });
    const source = sourceOf(cm);
    // A source changed, or a mirror was touched by someone else: either way, reconcile the source.
    if (source !== undefined) enqueue(source);
  };
  informer.on('add', handler('add'));
  informer.on('update', handler('update'));
  informer.on('delete', handler('delete'));
  // client-node's informer stops on an error (server gone, connection refused);
  // starting it again resumes the watch from the last resourceVersion it saw,
  // or relists when the server answers 410 Gone.
  informer.on('error', (err: unknown) => {
    if (isStopped) return;
    log('informer error; restarting', { error: err instanceof Error ? err.message : String(err) });
    later(() => {
      informer.start().catch((e: unknown) => log('informer restart failed', { error: String(e) }));
    });
  });
  await informer.start();

  return {
    cache: informer,
    idle: async () => {
      let seen: Promise<void>;
      do {
        seen = queue;
        await seen;
      } while (seen !== queue);
    },
    stop: async () => {
      isStopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await informer.stop();
      await queue;
    },
  };
}

async function main(): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  allowPlainHttp(kc);
  const namespace = process.argv[2] ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  const print = (msg: string, fields: Readonly<Record<string, unknown>>): void => {
    process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), msg, ...fields })}\n`);
  };
  const controller = await startMirrorController(kc, { namespace, log: print });
  print('controller started', { namespace, server: kc.getCurrentCluster()?.server });
  const stop = (): void => {
    controller.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        print('stop failed', { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
