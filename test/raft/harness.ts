// A synchronous in-memory cluster for scenario tests: every member persists, sends, applies
// and advances each Ready at once, and messages are delivered in FIFO order unless a link is
// cut or a filter drops them.

import { decodeConfChange } from '../../storage/raft/core/conf-change.js';
import { MemoryStorage } from '../../storage/raft/core/log-storage.js';
import { EntryType, type Entry, type Message, type NodeId } from '../../storage/raft/core/messages.js';
import { SeededRandom } from '../../storage/raft/core/random.js';
import type { RaftConfig, ReadState } from '../../storage/raft/core/raft.js';
import { RawNode, type Ready } from '../../storage/raft/core/raw-node.js';

export interface MemberOptions {
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  readonly readOnlyOption?: RaftConfig['readOnlyOption'];
  readonly maxSizePerMsg?: number;
  readonly maxInflightMsgs?: number;
  readonly electionTick?: number;
  readonly heartbeatTick?: number;
}

export class Member {
  readonly storage = new MemoryStorage();
  node: RawNode;
  /** Normal entries applied, in order (including empty no-op entries). */
  applied: Entry[] = [];
  readStates: ReadState[] = [];

  constructor(
    readonly id: NodeId,
    private readonly options: MemberOptions,
    private readonly seed: number,
  ) {
    this.node = this.makeNode();
  }

  makeNode(): RawNode {
    return new RawNode({
      id: this.id,
      storage: this.storage,
      electionTick: this.options.electionTick ?? 10,
      heartbeatTick: this.options.heartbeatTick ?? 1,
      random: new SeededRandom(this.seed),
      preVote: this.options.preVote ?? false,
      checkQuorum: this.options.checkQuorum ?? false,
      readOnlyOption: this.options.readOnlyOption,
      maxSizePerMsg: this.options.maxSizePerMsg,
      maxInflightMsgs: this.options.maxInflightMsgs,
    });
  }

  /** Simulates a restart from what is persisted (the application state is rebuilt by replay). */
  restart(): void {
    this.node = this.makeNode();
    this.applied = [];
  }

  get raft() {
    return this.node.raft;
  }
}

export class Cluster {
  readonly members = new Map<NodeId, Member>();
  private readonly cut = new Set<string>();
  /** Return false to drop a message. */
  filter: (m: Message) => boolean = () => true;
  /** Called with every Ready before it is handled (transcripts print them). */
  onReady: (member: Member, rd: Ready) => void = () => {};
  /** Every message delivered, for assertions. */
  readonly delivered: Message[] = [];
  private queue: Message[] = [];

  constructor(
    ids: readonly NodeId[],
    readonly options: MemberOptions = {},
    bootstrap = true,
    /** Members that exist in the configuration but never answer (their messages vanish). */
    readonly absent: readonly NodeId[] = [],
  ) {
    let seed = 1;
    for (const id of ids) {
      if (absent.includes(id)) continue;
      const member = new Member(id, options, seed++);
      if (bootstrap) member.node.bootstrap(ids);
      this.members.set(id, member);
    }
    this.stabilize();
  }

  member(id: NodeId): Member {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`no member ${id}`);
    return m;
  }

  /**
   * Replaces a member's persisted state: a snapshot at (1, 1) holding `voters`, then entries
   * with the given terms from index 2, hard state at `term`. Then restarts it from that.
   */
  setLog(id: NodeId, terms: readonly number[], term: number, voters: readonly NodeId[]): Member {
    const member = this.member(id);
    const storage = member.storage;
    storage.applySnapshot({
      metadata: { index: 1, term: 1, confState: { voters, learners: [] } },
      data: new Uint8Array(0),
    });
    storage.append(terms.map((t, i) => ({ term: t, index: i + 2, type: EntryType.Normal, data: bytes(`e${i + 2}@${t}`) })));
    storage.setHardState({ term, vote: 0n, commit: 1 });
    member.restart();
    return member;
  }

  /** Adds a member with an empty log (for membership changes). */
  addMember(id: NodeId): Member {
    const member = new Member(id, this.options, 100 + Number(id));
    this.members.set(id, member);
    return member;
  }

  /** Cuts both directions between a and b. */
  cutLink(a: NodeId, b: NodeId): void {
    this.cut.add(`${a}>${b}`);
    this.cut.add(`${b}>${a}`);
  }

  /** Cuts the member off from everyone. */
  isolate(id: NodeId): void {
    for (const other of this.members.keys()) if (other !== id) this.cutLink(id, other);
  }

  heal(): void {
    this.cut.clear();
    this.filter = () => true;
  }

  /** Delivers a message by hand (it still goes through the cut/filter rules). */
  send(m: Message): void {
    this.queue.push(m);
    this.stabilize();
  }

  /** Processes Readies and delivers messages until nothing is left to do. */
  stabilize(): void {
    for (let rounds = 0; rounds < 100000; rounds++) {
      let worked = false;
      for (const member of this.members.values()) {
        if (member.node.hasReady()) {
          this.handleReady(member);
          worked = true;
        }
      }
      while (this.queue.length > 0) {
        const m = this.queue.shift() as Message;
        worked = true;
        if (this.cut.has(`${m.from}>${m.to}`) || !this.filter(m)) continue;
        const target = this.members.get(m.to);
        if (target === undefined) continue;
        this.delivered.push(m);
        target.node.step(m);
      }
      if (!worked) return;
    }
    throw new Error('stabilize did not converge');
  }

  private handleReady(member: Member): void {
    const rd = member.node.ready();
    this.onReady(member, rd);
    if (rd.snapshot !== undefined) member.storage.applySnapshot(rd.snapshot);
    member.storage.append(rd.entries);
    if (rd.hardState !== undefined) member.storage.setHardState(rd.hardState);
    for (const m of rd.messages) this.queue.push(m);
    for (const entry of rd.committedEntries) {
      if (entry.type === EntryType.ConfChange) member.node.applyConfChange(decodeConfChange(entry.data));
      else member.applied.push(entry);
    }
    member.readStates.push(...rd.readStates);
    member.node.advance();
  }

  /** Ticks one member `n` times, stabilizing after each tick. */
  tick(id: NodeId, n = 1): void {
    for (let i = 0; i < n; i++) {
      this.member(id).node.tick();
      this.stabilize();
    }
  }

  /** Ticks every member `n` times. */
  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const member of this.members.values()) member.node.tick();
      this.stabilize();
    }
  }

  /** Makes `id` campaign and delivers everything. */
  campaign(id: NodeId): void {
    this.member(id).node.campaign();
    this.stabilize();
  }

  leaders(): NodeId[] {
    return [...this.members.values()].filter((m) => m.raft.state === 'leader').map((m) => m.id);
  }

  propose(id: NodeId, text: string): void {
    this.member(id).node.propose(new TextEncoder().encode(text));
    this.stabilize();
  }

  /** The terms of a member's log from its first index. */
  logTerms(id: NodeId): number[] {
    const log = this.member(id).raft.raftLog;
    const out: number[] = [];
    for (let i = log.firstIndex(); i <= log.lastIndex(); i++) out.push(log.term(i) as number);
    return out;
  }

  /** The non-empty commands a member applied, as text. */
  appliedText(id: NodeId): string[] {
    const decoder = new TextDecoder();
    return this.member(id)
      .applied.filter((e) => e.data.byteLength > 0)
      .map((e) => decoder.decode(e.data));
  }
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
