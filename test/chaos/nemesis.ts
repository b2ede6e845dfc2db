// The faults a chaos run injects, one at a time on a schedule: each nemesis breaks
// something and returns how to end it.

import type { ChaosCluster } from './chaos-cluster.js';

export const NEMESES = [
  'kill',
  'kill-leader',
  'power-cut',
  'pause',
  'partition-minority',
  'partition-leader',
  'bridge',
  'flapping',
  'one-way',
  'delay',
  'member-replace',
  'lease-stall',
] as const;
export type NemesisName = (typeof NEMESES)[number];

/** One fault as the run's report lists it. */
export interface Fault {
  readonly nemesis: NemesisName;
  readonly at: number;
  readonly detail: string;
  /** Set when the nemesis could not do what it meant to (the cluster would not let it). */
  readonly error?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function pick<T>(random: () => number, xs: readonly T[]): T {
  return xs[Math.floor(random() * xs.length)]!;
}

/**
 * Injects nemesis on cluster; resolves to the action that ends the fault (after which the
 * cluster heals fully: links, pauses, stopped members).
 */
export async function inject(nemesis: NemesisName, cluster: ChaosCluster, random: () => number): Promise<{ detail: string; end: () => Promise<void> }> {
  const names = cluster.names;
  const leader = (await cluster.leader()) ?? pick(random, names);
  const heal = (): Promise<void> => cluster.heal();
  switch (nemesis) {
    case 'kill': {
      const victim = pick(random, names);
      await cluster.kill(victim);
      return { detail: `SIGKILL ${victim}`, end: heal };
    }
    case 'kill-leader':
      await cluster.kill(leader);
      return { detail: `SIGKILL leader ${leader}`, end: heal };
    case 'power-cut': {
      // Every member at once, losing what it had not synced: what was acknowledged must
      // have been on disk.
      const undone = await cluster.powerCut(names);
      return { detail: `power cut on every member: ${undone}`, end: heal };
    }
    case 'pause': {
      const victim = pick(random, names);
      cluster.pause(victim);
      return { detail: `SIGSTOP ${victim}`, end: heal };
    }
    case 'partition-minority': {
      const shuffled = [...names].sort(() => random() - 0.5);
      const minority = shuffled.slice(0, Math.floor((names.length - 1) / 2));
      const majority = shuffled.slice(minority.length);
      cluster.proxy.partition([minority, majority]);
      return { detail: `partition [${minority.join(' ')}] | [${majority.join(' ')}]`, end: heal };
    }
    case 'partition-leader':
      cluster.proxy.isolate(leader);
      return { detail: `isolate leader ${leader}`, end: heal };
    case 'bridge': {
      // Two sides that cannot talk, and one member that talks to both.
      const others = names.filter((n) => n !== leader);
      const bridge = pick(random, others);
      const rest = names.filter((n) => n !== bridge);
      const half = Math.ceil(rest.length / 2);
      const left = rest.slice(0, half);
      const right = rest.slice(half);
      for (const a of left) {
        for (const b of right) {
          cluster.proxy.cutLink(a, b);
          cluster.proxy.cutLink(b, a);
        }
      }
      return { detail: `bridge through ${bridge}: [${left.join(' ')}] x [${right.join(' ')}]`, end: heal };
    }
    case 'flapping': {
      const victim = pick(random, names);
      let on = true;
      let stop = false;
      const flap = (async () => {
        while (!stop) {
          if (on) cluster.proxy.isolate(victim);
          else cluster.proxy.heal();
          on = !on;
          await sleep(300 + Math.floor(random() * 400));
        }
      })();
      return {
        detail: `isolate ${victim} on and off`,
        end: async () => {
          stop = true;
          await flap;
          await heal();
        },
      };
    }
    case 'one-way':
      // The leader's messages to everyone are lost; theirs to it still arrive.
      for (const n of names) if (n !== leader) cluster.proxy.cutLink(leader, n);
      return { detail: `cut ${leader} -> everyone (one way)`, end: heal };
    case 'delay':
      for (const a of names) for (const b of names) if (a !== b) cluster.proxy.delay(a, b, 50 + Math.floor(random() * 150));
      return { detail: 'delay every link 50-200 ms', end: heal };
    case 'member-replace': {
      // A membership change during a fault: every link slowed while the member is
      // removed, wiped, added back and caught up.
      const victim = pick(random, names.filter((n) => n !== leader));
      for (const a of names) for (const b of names) if (a !== b) cluster.proxy.delay(a, b, 20 + Math.floor(random() * 80));
      await cluster.replace(victim);
      return { detail: `remove ${victim}, wipe it, add it back, every link delayed 20-100 ms`, end: heal };
    }
    case 'lease-stall':
      // The leader holds the leases' clock: stall it past a lease's TTL.
      cluster.pause(leader);
      await sleep(4000);
      return { detail: `SIGSTOP leader ${leader} for 4 s (lease holder)`, end: heal };
  }
}
