/**
 * Kubernetes' own control-plane components (kube-controller-manager,
 * kube-scheduler 1.26, from ../shared/bin) as processes against an API
 * server, for the tests that check Kite runs them unmodified. Binaries come
 * from KUBE_CONTROLLER_MANAGER / KUBE_SCHEDULER / KUBE_APISERVER or PATH; a
 * missing one makes the test skip loudly (CI installs them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, hasCommand } from './processes.js';

export type KubeComponent = 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler';

const envNames: Record<KubeComponent, string> = {
  'kube-apiserver': 'KUBE_APISERVER',
  'kube-controller-manager': 'KUBE_CONTROLLER_MANAGER',
  'kube-scheduler': 'KUBE_SCHEDULER',
};

/** The component's binary, or undefined when there is none. */
export function kubeBinary(name: KubeComponent): string | undefined {
  const fromEnv = process.env[envNames[name]];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return hasCommand(name) ? name : undefined;
}

/** A loud skip message when a component is missing, or false. */
export function missingKube(...names: KubeComponent[]): string | false {
  const missing = names.filter((n) => kubeBinary(n) === undefined);
  if (missing.length === 0) return false;
  const msg = `*** ${missing.join(', ')} not found (PATH or ${missing.map((n) => envNames[n]).join(', ')}): test SKIPPED (bash ../shared/bin/install-kube /usr/local/bin) ***`;
  process.stderr.write(`\n${msg}\n\n`);
  return msg;
}

export interface ComponentProcess {
  output(): string;
  stop(): Promise<void>;
}

function run(binary: string, args: readonly string[]): ComponentProcess {
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (d: Buffer): void => {
    log += d.toString();
    if (log.length > 4_000_000) log = log.slice(-2_000_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    output: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** kube-controller-manager with the given controllers, talking JSON, electing a leader. */
export async function startControllerManager(kubeconfig: string, dir: string, controllers: readonly string[]): Promise<ComponentProcess> {
  return run(kubeBinary('kube-controller-manager')!, [
    `--kubeconfig=${kubeconfig}`,
    '--leader-elect=true',
    '--leader-elect-lease-duration=4s',
    '--leader-elect-renew-deadline=3s',
    '--leader-elect-retry-period=1s',
    `--controllers=${controllers.join(',')}`,
    '--use-service-account-credentials=false',
    '--kube-api-content-type=application/json',
    '--bind-address=127.0.0.1',
    `--secure-port=${await freePort()}`,
    `--cert-dir=${join(dir, 'kcm-certs')}`,
    '--authentication-skip-lookup=true',
    '--concurrent-gc-syncs=5',
    '-v=2',
  ]);
}

/** kube-scheduler with a config that talks JSON and elects a leader. */
export async function startScheduler(kubeconfig: string, dir: string): Promise<ComponentProcess> {
  const config = join(dir, 'scheduler.yaml');
  writeFileSync(
    config,
    [
      'apiVersion: kubescheduler.config.k8s.io/v1',
      'kind: KubeSchedulerConfiguration',
      'clientConnection:',
      `  kubeconfig: ${kubeconfig}`,
      '  contentType: application/json',
      'leaderElection:',
      '  leaderElect: true',
      '  leaseDuration: 4s',
      '  renewDeadline: 3s',
      '  retryPeriod: 1s',
      '',
    ].join('\n'),
  );
  return run(kubeBinary('kube-scheduler')!, [`--config=${config}`, '--bind-address=127.0.0.1', `--secure-port=${await freePort()}`, `--cert-dir=${join(dir, 'sched-certs')}`, '--authentication-skip-lookup=true', '-v=2']);
}
