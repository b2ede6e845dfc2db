/**
 * A service's cluster IP and node ports: allocated when it is created (or its
 * type changes), checked when asked for explicitly, released when it goes,
 * and the allocation bitmaps rebuilt from the services at start.
 */
import { ApiError, errors } from '../generic/api-error.js';
import { goStringSlice } from '../validation/go-values.js';
import { arrayOf, child, field } from '../generic/base-strategy.js';
import type { StoreHooks } from '../generic/generic-store.js';
import type { KubeObject, ResourceInfo } from '../generic/types.js';
import type { ObjectStorage } from '../storage/object-storage.js';
import { everything } from '../storage/selection.js';
import { fieldErrors } from '../validation/field-errors.js';
import { numberToIp, offsetOf, parseIpv4Cidr, type Ipv4Range } from './ip-range.js';
import { AllocationError, RangeAllocator } from './range-allocator.js';
import { needsHealthCheckNodePort, needsNodePorts, nodePortsOf } from './strategy.js';

/** The node port range: 30000-32767 by default. */
export interface PortRange {
  readonly base: number;
  readonly size: number;
  readonly text: string;
}

export function parsePortRange(text: string): PortRange {
  const m = /^(\d+)-(\d+)$/.exec(text);
  const lo = Number(m?.[1]);
  const hi = Number(m?.[2]);
  if (m === null || lo < 1 || hi > 65535 || lo > hi) throw new Error(`invalid service node port range ${JSON.stringify(text)}: want LOW-HIGH within 1-65535`);
  return { base: lo, size: hi - lo + 1, text };
}

export class ServiceAllocation {
  readonly ips: Ipv4Range;
  readonly ports: PortRange;
  private readonly ipAllocator: RangeAllocator;
  private readonly portAllocator: RangeAllocator;
  private readonly info: ResourceInfo;

  constructor(storage: ObjectStorage, info: ResourceInfo, ipRange: string, portRange: string) {
    this.ips = parseIpv4Cidr(ipRange);
    this.ports = parsePortRange(portRange);
    this.info = info;
    this.ipAllocator = new RangeAllocator(storage, '/registry/ranges/serviceips', this.ips.cidr, this.ips.size);
    this.portAllocator = new RangeAllocator(storage, '/registry/ranges/servicenodeports', this.ports.text, this.ports.size);
  }

  /** The cluster IP of the kubernetes service: the range's first address. */
  get apiServerServiceIp(): string {
    return numberToIp(this.ips.base + 1);
  }

  private invalid(o: KubeObject, causes: ReturnType<typeof fieldErrors.invalid>[]): ApiError {
    return errors.invalid(this.info, 'Service', o.metadata.name ?? '', causes);
  }

  private async takeIp(o: KubeObject, dryRun: boolean): Promise<void> {
    const s = child(o, 'spec');
    if (s.type === 'ExternalName') return;
    const wanted = typeof s.clusterIP === 'string' ? s.clusterIP : '';
    if (wanted === 'None') {
      s.clusterIPs = ['None'];
      s.ipFamilies ??= ['IPv4'];
      s.ipFamilyPolicy ??= 'SingleStack';
      return;
    }
    const reserved = new Set([0, this.ips.size - 1]);
    if (wanted === '') {
      const offset = await this.ipAllocator.allocateNext(reserved);
      if (dryRun) await this.ipAllocator.release(offset);
      s.clusterIP = numberToIp(this.ips.base + offset);
    } else {
      const offset = offsetOf(this.ips, wanted);
      const printed = goStringSlice([wanted]);
      if (offset === undefined || reserved.has(offset)) {
        throw this.invalid(o, [fieldErrors.invalidPrinted('spec.clusterIPs', printed, `failed to allocate IP ${wanted}: the provided IP (${wanted}) is not in the valid range. The range of valid IPs is ${this.ips.cidr}`)]);
      }
      try {
        await this.ipAllocator.allocate(offset);
      } catch (e) {
        if (e instanceof AllocationError) throw this.invalid(o, [fieldErrors.invalidPrinted('spec.clusterIPs', printed, `failed to allocate IP ${wanted}: provided IP is already allocated`)]);
        throw e;
      }
      if (dryRun) await this.ipAllocator.release(offset);
    }
    s.clusterIPs = [s.clusterIP];
    s.ipFamilies ??= ['IPv4'];
    s.ipFamilyPolicy ??= 'SingleStack';
  }

  private async takePorts(o: KubeObject, old: KubeObject | undefined, dryRun: boolean): Promise<void> {
    const s = field(o, 'spec') ?? {};
    if (!needsNodePorts(s.type) || (s.type === 'LoadBalancer' && s.allocateLoadBalancerNodePorts === false)) return;
    const had = new Set(arrayOf(field(old, 'spec')?.ports).map((p) => p.nodePort));
    const taken: number[] = [];
    try {
      for (const [i, p] of arrayOf(s.ports).entries()) {
        if (typeof p.nodePort === 'number' && p.nodePort !== 0) {
          if (had.has(p.nodePort)) continue;
          const offset = p.nodePort - this.ports.base;
          try {
            await this.portAllocator.allocate(offset);
          } catch (e) {
            if (!(e instanceof AllocationError)) throw e;
            const detail =
              e.reason === 'OutOfRange'
                ? `provided port is not in the valid range. The range of valid ports is ${this.ports.text}`
                : 'provided port is already allocated';
            throw this.invalid(o, [fieldErrors.invalid(`spec.ports[${i}].nodePort`, p.nodePort, detail)]);
          }
          taken.push(offset);
        } else {
          const offset = await this.portAllocator.allocateNext();
          taken.push(offset);
          p.nodePort = this.ports.base + offset;
        }
      }
    } catch (e) {
      for (const t of taken) await this.portAllocator.release(t);
      throw e;
    }
    if (dryRun) for (const t of taken) await this.portAllocator.release(t);
  }

  /**
   * The health check node port of a LoadBalancer with externalTrafficPolicy Local: the one
   * asked for, or the next free one, taken after the ports' as kube-apiserver takes it. Its
   * failures are kube-apiserver's plain errors (500), not field errors.
   */
  private async takeHealthCheckPort(o: KubeObject, old: KubeObject | undefined, dryRun: boolean): Promise<void> {
    const s = child(o, 'spec');
    if (!needsHealthCheckNodePort(s)) return;
    const wanted = s.healthCheckNodePort;
    if (typeof wanted === 'number' && wanted !== 0) {
      if (wanted === field(old, 'spec')?.healthCheckNodePort) return;
      try {
        await this.portAllocator.allocate(wanted - this.ports.base);
      } catch (e) {
        if (!(e instanceof AllocationError)) throw e;
        // Not taken, so not this Service's to give back when its other allocations are.
        delete s.healthCheckNodePort;
        const why = e.reason === 'OutOfRange' ? `provided port is not in the valid range. The range of valid ports is ${this.ports.text}` : 'provided port is already allocated';
        throw errors.internal(`failed to allocate requested HealthCheck NodePort ${wanted}: ${why}`);
      }
      if (dryRun) await this.portAllocator.release(wanted - this.ports.base);
      return;
    }
    const offset = await this.portAllocator.allocateNext();
    if (dryRun) await this.portAllocator.release(offset);
    s.healthCheckNodePort = this.ports.base + offset;
  }

  /** Node ports held by s: its ports' and its health check's. */
  private static heldPorts(s: Record<string, unknown> | undefined): number[] {
    if (s === undefined) return [];
    const check = s.healthCheckNodePort;
    return typeof check === 'number' && check !== 0 ? [...nodePortsOf(s), check] : nodePortsOf(s);
  }

  /** Gives back o's cluster IP unless keep has it too. */
  private async releaseIp(o: KubeObject | undefined, keep?: KubeObject): Promise<void> {
    const ip = field(o, 'spec')?.clusterIP;
    if (typeof ip !== 'string' || ip === '' || ip === 'None' || ip === field(keep, 'spec')?.clusterIP) return;
    const offset = offsetOf(this.ips, ip);
    if (offset !== undefined) await this.ipAllocator.release(offset);
  }

  /** Gives back what o holds (cluster IP, node ports) and keep does not. */
  private async releaseAll(o: KubeObject | undefined, keep?: KubeObject): Promise<void> {
    const s = field(o, 'spec');
    const keepSpec = field(keep, 'spec');
    await this.releaseIp(o, keep);
    const kept = new Set([
      ...(needsNodePorts(keepSpec?.type) ? arrayOf(keepSpec?.ports).map((p) => p.nodePort) : []),
      ...(keepSpec !== undefined && needsHealthCheckNodePort(keepSpec) ? [keepSpec.healthCheckNodePort] : []),
    ]);
    for (const port of ServiceAllocation.heldPorts(s)) if (!kept.has(port)) await this.portAllocator.release(port - this.ports.base);
  }

  /** The store hooks that allocate and release. */
  hooks(): StoreHooks {
    return {
      beforeCreate: async (o, dryRun) => {
        await this.takeIp(o, dryRun);
        try {
          await this.takePorts(o, undefined, dryRun);
        } catch (e) {
          // takePorts gave back the ports it took; the cluster IP is left.
          if (!dryRun) await this.releaseIp(o);
          throw e;
        }
        try {
          await this.takeHealthCheckPort(o, undefined, dryRun);
        } catch (e) {
          if (!dryRun) await this.releaseAll(o);
          throw e;
        }
      },
      createFailed: (o) => this.releaseAll(o),
      beforeUpdate: async (o, old, dryRun) => {
        const s = child(o, 'spec');
        const os = field(old, 'spec') ?? {};
        if (s.type !== 'ExternalName' && (os.type === 'ExternalName' || os.clusterIP === undefined)) await this.takeIp(o, dryRun);
        if (s.type === 'ExternalName') {
          delete s.clusterIP;
          delete s.clusterIPs;
        }
        if (!needsNodePorts(s.type)) for (const p of arrayOf(s.ports)) delete p.nodePort;
        await this.takePorts(o, old, dryRun);
        try {
          await this.takeHealthCheckPort(o, old, dryRun);
        } catch (e) {
          // What this update took (and its old self did not hold) goes back.
          if (!dryRun) await this.releaseAll(o, old);
          throw e;
        }
        if (!dryRun) await this.releaseAll(old, o);
      },
      afterDelete: (o) => this.releaseAll(o),
    };
  }

  /** Rebuilds both bitmaps from the services that exist (after a crash between a write and an allocation). */
  async repair(storage: ObjectStorage): Promise<void> {
    const list = await storage.list(this.info.storagePrefix, { predicate: everything });
    const ips: number[] = [];
    const ports: number[] = [];
    for (const svc of list.items) {
      const s = field(svc, 'spec') ?? {};
      const offset = typeof s.clusterIP === 'string' ? offsetOf(this.ips, s.clusterIP) : undefined;
      if (offset !== undefined) ips.push(offset);
      for (const port of ServiceAllocation.heldPorts(s)) ports.push(port - this.ports.base);
    }
    await this.ipAllocator.reset(ips);
    await this.portAllocator.reset(ports);
  }
}
