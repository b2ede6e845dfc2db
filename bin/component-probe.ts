/**
 * What `kubectl get componentstatuses` reports for kite apiserver, probed as kube-apiserver
 * probes: kube-scheduler and kube-controller-manager by their /healthz on the usual local
 * ports (10259, 10257; HTTPS, their self-signed certificates accepted), and the store by a
 * read (healthy with no message, as kube-apiserver reports its storage). When Kite runs the
 * controllers itself and no kube-controller-manager answers, controller-manager is reported
 * healthy: its work is being done.
 */
import { request } from 'node:https';
import type { ComponentHealth, ComponentProbe } from '../registry/componentstatus/component-statuses.js';

const PROBE_TIMEOUT_MS = 5_000;

/** One HTTPS /healthz probe, worded as Go's HTTP prober words its outcome. */
function probeHealthz(name: string, port: number): Promise<ComponentHealth> {
  const url = `https://127.0.0.1:${port}/healthz`;
  return new Promise((resolve) => {
    const req = request(url, { rejectUnauthorized: false, timeout: PROBE_TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 10_000) body += chunk;
      });
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        resolve(code >= 200 && code < 400 ? { name, status: 'True', message: body, error: '' } : { name, status: 'False', message: `HTTP probe failed with statuscode: ${code}`, error: '' });
      });
    });
    req.on('timeout', () => req.destroy(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)')));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ECONNREFUSED' ? `dial tcp 127.0.0.1:${port}: connect: connection refused` : err.message;
      resolve({ name, status: 'False', message: `Get ${JSON.stringify(url)}: ${why}`, error: '' });
    });
    req.end();
  });
}

/** The probe of kite apiserver's parts: scheduler, controller-manager, the store (etcd-0). */
export function componentProbe(storeCheck: () => Promise<void>, controllersInProcess: boolean): ComponentProbe {
  return async () => {
    const store = storeCheck().then(
      (): ComponentHealth => ({ name: 'etcd-0', status: 'True', message: '', error: '' }),
      (err: unknown): ComponentHealth => ({ name: 'etcd-0', status: 'Unknown', message: '', error: err instanceof Error ? err.message : String(err) }),
    );
    const [scheduler, controllerManager, etcd] = await Promise.all([probeHealthz('scheduler', 10259), probeHealthz('controller-manager', 10257), store]);
    const controllers = controllerManager.status !== 'True' && controllersInProcess ? { ...controllerManager, status: 'True' as const, message: 'ok', error: '' } : controllerManager;
    return [scheduler, controllers, etcd];
  };
}
