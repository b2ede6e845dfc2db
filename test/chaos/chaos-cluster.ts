// A cluster under test: kite store or etcd members as separate processes on loopback, each
// member's peer traffic routed through the FaultProxy, with the fault actions the
// nemeses use (kill, power cut, restart, pause, partition, replace).

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { EtcdGrpcClient, type WireMessage } from '../../storage/client/etcd-grpc-client.js';
import { TestCluster, type ClusterTls } from '../helpers/cluster.js';
import { TestCa } from '../helpers/tls-certs.js';
import { waitHealthy } from '../helpers/processes.js';
import { powercutEnv, rollBack } from './powercut.js';
import { FaultProxy } from './proxy.js';

export type Target = 'kite' | 'etcd';

export class ChaosCluster {
  readonly target: Target;
  readonly cluster: TestCluster;
  readonly proxy: FaultProxy;
  /** Member id (decimal) by name, as the cluster lists it. */
  readonly ids = new Map<string, string>();
  private readonly paused = new Set<string>();
  /** The preload library that journals unsynced writes (kite members only; see powercut.ts). */
  private readonly powercutLibrary: string | undefined;

  private constructor(target: Target, cluster: TestCluster, proxy: FaultProxy, powercutLibrary: string | undefined) {
    this.target = target;
    this.cluster = cluster;
    this.proxy = proxy;
    this.powercutLibrary = powercutLibrary;
  }

  /**
   * Starts size members of target in dir, peer traffic through a fault proxy. With
   * powercutLibrary, kite members run under it, so that powerCut() can drop what they had
   * not synced; etcd cannot (its Go runtime makes system calls itself, not through libc).
   */
  static async start(target: Target, size: number, dir: string, options: { powercutLibrary?: string; peerTls?: boolean } = {}): Promise<ChaosCluster> {
    const tls = options.peerTls === true ? await peerMutualTls(dir) : undefined;
    const cluster = await TestCluster.plan(target, size, dir, {}, tls);
    const proxy = await FaultProxy.start({ members: cluster.specs.map((s) => ({ name: s.name, targetPort: Number(new URL(s.peerUrl).port) })) });
    // The proxy only forwards bytes: TLS between members passes through it unchanged.
    const scheme = tls === undefined ? 'http' : 'https';
    for (const s of [...cluster.specs]) cluster.advertisePeerUrl(s.name, `${scheme}://127.0.0.1:${proxy.listenPort(s.name)}`);
    const c = new ChaosCluster(target, cluster, proxy, target === 'kite' ? options.powercutLibrary : undefined);
    try {
      for (const s of cluster.specs) cluster.writeEnvFile(s.name, 'new');
      for (const s of cluster.specs) c.spawn(s.name);
      await Promise.all([...cluster.running.values()].map((p) => waitHealthy(p, target, 30_000)));
      await c.learnIds();
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  get names(): string[] {
    return this.cluster.specs.map((s) => s.name);
  }

  /** host:port of name's client URL. */
  endpoint(name: string): string {
    return this.cluster.spec(name).clientUrl.replace('http://', '');
  }

  isRunning(name: string): boolean {
    const p = this.cluster.running.get(name);
    return p !== undefined && p.child.exitCode === null && p.child.signalCode === null;
  }

  isPaused(name: string): boolean {
    return this.paused.has(name);
  }

  /** Whether powerCut() drops unsynced writes (or can only kill). */
  get simulatesPowerCuts(): boolean {
    return this.powercutLibrary !== undefined;
  }

  private journalDir(name: string): string {
    return join(this.cluster.dir, `${name}.powercut`);
  }

  private spawn(name: string): void {
    const library = this.powercutLibrary;
    // Unsynced writes of an earlier life outlive a process crash (the page cache keeps
    // them): only a power cut, which rolls them back first, drops them.
    if (library !== undefined) rmSync(this.journalDir(name), { recursive: true, force: true });
    const env = library === undefined ? {} : powercutEnv(library, this.cluster.spec(name).dataDir, this.journalDir(name));
    const p = this.cluster.spawn(name, undefined, env);
    this.proxy.setPid(name, p.child.pid);
  }

  /**
   * Cuts the power of names: SIGKILL, then every write a member had not synced is undone.
   * Returns what was undone, for the report.
   */
  async powerCut(names: readonly string[]): Promise<string> {
    await Promise.all(names.map((n) => this.kill(n)));
    if (this.powercutLibrary === undefined) return 'no writes journaled: a SIGKILL only';
    let writes = 0;
    let bytes = 0;
    for (const n of names) {
      const r = rollBack(this.journalDir(n));
      writes += r.writesUndone;
      bytes += r.bytesRestored;
    }
    return `${writes} unsynced writes undone (${bytes} bytes)`;
  }

  /** SIGKILLs name. */
  async kill(name: string): Promise<void> {
    this.paused.delete(name);
    this.proxy.setPid(name, undefined);
    await this.cluster.stop(name, 'SIGKILL');
  }

  /** Starts name again from its env file; resolves once it is healthy (or after 30 s regardless). */
  async restart(name: string): Promise<void> {
    if (this.isRunning(name)) return;
    this.spawn(name);
    await waitHealthy(this.cluster.running.get(name)!, this.target, 30_000).catch(() => undefined);
  }

  /** SIGSTOPs name (a process pause, as a long GC or a stalled disk would make). */
  pause(name: string): void {
    if (!this.isRunning(name) || this.paused.has(name)) return;
    this.cluster.running.get(name)!.child.kill('SIGSTOP');
    this.paused.add(name);
  }

  resume(name: string): void {
    if (!this.paused.delete(name)) return;
    this.cluster.running.get(name)?.child.kill('SIGCONT');
  }

  /** Ends every fault: links healed, paused members resumed, stopped members restarted. */
  async heal(): Promise<void> {
    this.proxy.heal();
    for (const name of [...this.paused]) this.resume(name);
    // All at once: after a full crash no member is healthy until a quorum is back.
    await Promise.all(this.names.filter((n) => !this.isRunning(n)).map((n) => this.restart(n)));
  }

  /** The leader's name as a running member reports it, or undefined. */
  async leader(): Promise<string | undefined> {
    const leader = String((await this.anyStatus())?.leader ?? '0');
    for (const [n, id] of this.ids) if (id === leader) return n;
    return undefined;
  }

  /** The current raft term as a running member reports it (0 if none answers). */
  async term(): Promise<number> {
    return Number((await this.anyStatus())?.raftTerm ?? 0);
  }

  /** Maintenance.Status from the first running, unpaused member that answers within 1 s. */
  private async anyStatus(): Promise<WireMessage | undefined> {
    for (const name of this.names) {
      if (!this.isRunning(name) || this.paused.has(name)) continue;
      const c = new EtcdGrpcClient(this.endpoint(name), {}, 1000);
      try {
        return await c.status();
      } catch {
        // try the next member
      } finally {
        c.close();
      }
    }
    return undefined;
  }

  /**
   * The seed docs' repair: remove name from the cluster, wipe its data dir, add it back
   * and start it with state existing. Throws if the cluster cannot make the changes now.
   */
  async replace(name: string): Promise<void> {
    const via = this.names.find((n) => n !== name && this.isRunning(n) && !this.paused.has(n));
    if (via === undefined) throw new Error('no member to ask');
    const c = new EtcdGrpcClient(this.endpoint(via), {}, 10_000);
    try {
      const id = this.ids.get(name);
      if (id !== undefined) {
        // etcd refuses a removal until every member has been connected for a while
        // ("unhealthy cluster", its strict reconfiguration check): try for 20 s.
        for (let attempt = 0; ; attempt++) {
          try {
            await c.memberRemove({ ID: id });
            break;
          } catch (err) {
            // A remove that timed out may have been applied all the same: the member list says.
            if (await isRemoved(c, id)) break;
            if (attempt >= 10 || !/unhealthy cluster|request timed out/.test(String(err))) throw new Error(`member remove: ${String(err)}`);
            await new Promise((r) => setTimeout(r, 2000));
          }
        }
        this.ids.delete(name);
      }
      // A removed member stops by itself (etcd and kite alike); make sure.
      await new Promise((r) => setTimeout(r, 1000));
      await this.kill(name);
      rmSync(this.cluster.spec(name).dataDir, { recursive: true, force: true });
      rmSync(this.journalDir(name), { recursive: true, force: true });
      await this.readd(name, c);
    } finally {
      c.close();
    }
  }

  /** Adds name back (it was removed and wiped) and starts it with state existing; retries for 30 s. */
  private async readd(name: string, c: EtcdGrpcClient): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const added = await c.memberAdd({ peerURLs: [this.cluster.spec(name).peerUrl] });
        this.ids.set(name, String((added.member as { ID: string }).ID));
        break;
      } catch (err) {
        if (attempt >= 10) throw new Error(`member add: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
    this.cluster.writeEnvFile(name, 'existing');
    await this.restart(name);
  }

  private async learnIds(): Promise<void> {
    const c = new EtcdGrpcClient(this.endpoint(this.names[0]!), {}, 5000);
    try {
      const res = await c.memberList();
      for (const m of res.members as { ID: string; peerURLs: string[] }[]) {
        const spec = this.cluster.specs.find((s) => m.peerURLs.includes(s.peerUrl));
        if (spec !== undefined) this.ids.set(spec.name, String(m.ID));
      }
    } finally {
      c.close();
    }
  }

  /** Everything the members printed lately, for a report. */
  output(): string {
    return this.cluster.output(200_000);
  }

  async stop(): Promise<void> {
    for (const name of [...this.paused]) this.resume(name);
    await this.cluster.stopAll('SIGKILL');
    await this.proxy.close();
  }
}

/** Peer URLs with mutual TLS (--peer-client-cert-auth), every member with one certificate for 127.0.0.1. */
async function peerMutualTls(dir: string): Promise<ClusterTls> {
  const ca = await TestCa.create(dir, 'peer');
  const server = await ca.issue('etcd-peer', { file: 'peer' });
  return { ca: ca.caFile, server, client: server, clientUrls: false, clientCertAuth: false, peerUrls: true, peerCertAuth: true };
}

/** Whether the member list (asked through c) no longer holds id; false when it cannot be read. */
async function isRemoved(c: EtcdGrpcClient, id: string): Promise<boolean> {
  try {
    const list = await c.memberList();
    return !((list.members as Array<{ ID: unknown }> | undefined) ?? []).some((m) => String(m.ID) === id);
  } catch {
    return false;
  }
}
