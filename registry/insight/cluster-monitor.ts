/**
 * The store cluster as the insight page shows it: each member's role, term,
 * commit and applied index, and the leader changes seen over time. A probe
 * (made by the composition root: the embedded member's status, or Maintenance.Status
 * on each --etcd-servers endpoint) is polled while a page is subscribed.
 */

export type MemberRole = 'leader' | 'follower' | 'learner' | 'unreachable';

export interface MemberState {
  /** The member id in hex, as etcdctl prints it. */
  readonly id: string;
  /** The cluster id in decimal, as etcdctl -w json prints it ('' when unknown). */
  readonly clusterId: string;
  /** The member's name ('' until it has answered). */
  readonly name: string;
  /** The client endpoint asked. */
  readonly endpoint: string;
  /** Its role as it reports it (unreachable: it did not answer). */
  readonly role: MemberRole;
  /** Its Raft term. */
  readonly term: number;
  /** The Raft index it knows committed. */
  readonly commitIndex: number;
  /** The Raft index it has applied. */
  readonly appliedIndex: number;
  /** Its store revision. */
  readonly revision: number;
  /** The leader this member knows, in hex ('0': none). */
  readonly leader: string;
  /** Why the member could not be asked, or its errors (no leader, alarms). */
  readonly errors: readonly string[];
}

export interface LeaderChange {
  /** When the change was seen (ms since the epoch). */
  readonly at: number;
  /** The term of the new leader (the highest term seen). */
  readonly term: number;
  /** The new leader's id in hex, or '0' when there is none. */
  readonly leader: string;
  /** The new leader's name ('' when unknown or none). */
  readonly leaderName: string;
}

export interface ClusterState {
  /** 'embedded' (one member in the API server's process) or 'remote' (--etcd-servers). */
  readonly mode: 'embedded' | 'remote';
  /** Every member asked, in --etcd-servers order. */
  readonly members: readonly MemberState[];
  /** The leader changes seen, oldest first (the last 100). */
  readonly leaderChanges: readonly LeaderChange[];
  /** When the members were last asked. */
  readonly at: number;
}

export type ClusterProbe = () => Promise<readonly MemberState[]>;

const maxChanges = 100;

export class ClusterMonitor {
  private readonly listeners = new Set<(s: ClusterState) => void>();
  private readonly changes: LeaderChange[] = [];
  private last: ClusterState | undefined;
  private timer: NodeJS.Timeout | undefined;
  private isPolling = false;

  constructor(
    private readonly mode: 'embedded' | 'remote',
    private readonly probe: ClusterProbe,
    private readonly intervalMs = 500,
  ) {}

  /** Asks the members now. */
  async refresh(): Promise<ClusterState> {
    const members = await this.probe();
    const leaderOf = members.find((m) => m.role === 'leader');
    const term = Math.max(0, ...members.map((m) => m.term));
    const leader = leaderOf?.id ?? '0';
    const previous = this.changes[this.changes.length - 1];
    if (previous === undefined || previous.leader !== leader || (leader !== '0' && previous.term !== term)) {
      this.changes.push({ at: Date.now(), term, leader, leaderName: leaderOf?.name ?? '' });
      if (this.changes.length > maxChanges) this.changes.shift();
    }
    this.last = { mode: this.mode, members, leaderChanges: [...this.changes], at: Date.now() };
    return this.last;
  }

  /** The last state asked, or a fresh one. */
  async state(): Promise<ClusterState> {
    return this.last ?? this.refresh();
  }

  /** Polls while at least one listener is subscribed; returns the function that unsubscribes. */
  subscribe(listener: (s: ClusterState) => void): () => void {
    this.listeners.add(listener);
    if (this.timer === undefined) this.schedule(0);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => void this.poll(), ms);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    if (this.isPolling) return;
    this.isPolling = true;
    try {
      const s = await this.refresh();
      for (const l of this.listeners) l(s);
    } catch {
      // A failed probe is shown as unreachable members by the probe itself; nothing to add.
    } finally {
      this.isPolling = false;
      if (this.listeners.size > 0) this.schedule(this.intervalMs);
      else this.timer = undefined;
    }
  }
}
