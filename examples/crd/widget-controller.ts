/**
 * A controller for the Widget custom resource of widgets.yaml, on @kubernetes/client-node:
 * an informer lists and watches the Widgets of one namespace, and for each one the controller
 * writes what it observed through the status subresource with server-side apply, as field
 * manager `widget-controller`: status.replicas follows spec.replicas, status.selector names
 * the widget's pods (app=<name>), and status.ready says the two agree. Applying only the
 * fields it owns, it never overwrites status another manager wrote, and it needs no
 * resourceVersion: no read-modify-write, no conflicts to retry.
 *
 *   npm start                                     # a kite apiserver, prints its kubeconfig
 *   kubectl apply -f examples/crd/widgets.yaml    # the CRD
 *   KUBECONFIG=... npx tsx examples/crd/widget-controller.ts [namespace]
 *   kubectl apply -f examples/crd/widget.yaml && kubectl get widgets   # READY turns true
 *
 * Every action is printed as one JSON line.
 */
import { pathToFileURL } from 'node:url';
import { CustomObjectsApi, KubeConfig, makeInformer, PatchStrategy, setHeaderOptions, type KubernetesObject } from '@kubernetes/client-node';

/** The field manager this controller applies status as. */
export const fieldManager = 'widget-controller';

const group = 'example.com';
const version = 'v1';
const plural = 'widgets';

/** A Widget as the controller reads it. */
export interface Widget extends KubernetesObject {
  spec?: { color?: string; replicas?: number };
  status?: { ready?: boolean; replicas?: number; selector?: string };
}

/** The status the controller wants a widget to have. */
export function desiredStatus(w: Widget): Required<NonNullable<Widget['status']>> {
  const replicas = w.spec?.replicas ?? 1;
  return { replicas, selector: `app=${w.metadata?.name ?? ''}`, ready: true };
}

export interface WidgetController {
  /** Resolves once every reconcile queued so far has run. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the informer and the reconcile loop; resolves once the first list is in. */
export async function startWidgetController(kc: KubeConfig, namespace: string, log: (msg: string, fields: Record<string, unknown>) => void = () => undefined): Promise<WidgetController> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const informer = makeInformer<Widget>(kc, `/apis/${group}/${version}/namespaces/${namespace}/${plural}`, () => api.listNamespacedCustomObject({ group, version, namespace, plural }));
  let queue = Promise.resolve();
  let stopped = false;

  const reconcile = async (w: Widget): Promise<void> => {
    const name = w.metadata?.name;
    if (name === undefined || stopped) return;
    const want = desiredStatus(w);
    const have = w.status ?? {};
    if (have.ready === want.ready && have.replicas === want.replicas && have.selector === want.selector) return;
    // The applied configuration: identity plus exactly the fields this manager owns.
    const body = { apiVersion: `${group}/${version}`, kind: 'Widget', metadata: { name, namespace }, status: want };
    try {
      await api.patchNamespacedCustomObjectStatus({ group, version, namespace, plural, name, body, fieldManager, force: true }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply));
      log('applied status', { name, ...want });
    } catch (err) {
      log('apply failed', { name, error: String(err) });
    }
  };
  const enqueue = (w: Widget): void => {
    queue = queue.then(() => reconcile(w));
  };
  informer.on('add', enqueue);
  informer.on('update', enqueue);
  informer.on('error', (err: unknown) => {
    log('informer error; restarting', { error: String(err) });
    setTimeout(() => {
      if (!stopped) void informer.start();
    }, 1000);
  });
  await informer.start();
  return {
    idle: () => queue,
    stop: async () => {
      stopped = true;
      await informer.stop();
      await queue;
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const namespace = process.argv[2] ?? 'default';
  const print = (msg: string, fields: Record<string, unknown>): void => console.log(JSON.stringify({ msg, ...fields }));
  const controller = await startWidgetController(kc, namespace, print);
  print('controller started', { namespace, fieldManager });
  const stop = (): void => void controller.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
