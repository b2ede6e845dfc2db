// Proposals per second through a 3-member cluster of Raft cores, in memory: no disk, no
// network, no application; only the consensus core and an in-memory log. Shows whether the
// core could be the bottleneck of the store.
//
//   npm run bench:raft [-- --proposals N --batch B --size BYTES]

import { MemoryStorage } from '../storage/raft/core/log-storage.js';
import type { Message, NodeId } from '../storage/raft/core/messages.js';
import { SeededRandom } from '../storage/raft/core/random.js';
import { RawNode } from '../storage/raft/core/raw-node.js';

interface Options {
  proposals: number;
  batch: number;
  size: number;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { proposals: 2_000_000, batch: 1000, size: 16 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${argv[i]} needs a positive integer`);
    if (argv[i] === '--proposals') options.proposals = value;
    else if (argv[i] === '--batch') options.batch = value;
    else if (argv[i] === '--size') options.size = value;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return options;
}

class Member {
  readonly storage = new MemoryStorage();
  readonly node: RawNode;
  applied = 0;
  appliedCommands = 0;

  constructor(readonly id: NodeId) {
    this.node = new RawNode({
      id,
      storage: this.storage,
      electionTick: 10,
      heartbeatTick: 1,
      random: new SeededRandom(Number(id)),
      maxSizePerMsg: 1024 * 1024,
      maxInflightMsgs: 256,
    });
  }
}

function run(options: Options): void {
  const ids = [1n, 2n, 3n];
  const members = new Map<NodeId, Member>(ids.map((id) => [id, new Member(id)]));
  for (const m of members.values()) m.node.bootstrap(ids);
  const queue: Message[] = [];

  /** Handles every Ready and delivers every message until the cluster is quiet. */
  const pump = (): void => {
    for (;;) {
      let worked = false;
      for (const m of members.values()) {
        if (!m.node.hasReady()) continue;
        worked = true;
        const rd = m.node.ready();
        if (rd.snapshot !== undefined) m.storage.applySnapshot(rd.snapshot);
        m.storage.append(rd.entries);
        if (rd.hardState !== undefined) m.storage.setHardState(rd.hardState);
        for (const msg of rd.messages) queue.push(msg);
        for (const e of rd.committedEntries) {
          if (e.type === 'conf-change') continue;
          if (e.data.byteLength > 0) m.appliedCommands++;
        }
        const last = rd.committedEntries[rd.committedEntries.length - 1];
        if (last !== undefined) m.applied = last.index;
        m.node.advance();
        // Keep memory flat: compact behind what is applied, like the real driver will.
        if (m.applied - m.storage.firstIndex() > 200_000) {
          m.storage.createSnapshot(m.applied, m.node.status().confState, new Uint8Array(0));
          m.storage.compact(m.applied);
        }
      }
      for (let i = 0; i < queue.length; i++) {
        const msg = queue[i] as Message;
        members.get(msg.to)?.node.step(msg);
      }
      if (queue.length > 0) worked = true;
      queue.length = 0;
      if (!worked) return;
    }
  };

  pump();
  const leader = members.get(1n) as Member;
  leader.node.campaign();
  pump();
  if (leader.node.status().softState.state !== 'leader') throw new Error('member 1 did not become leader');

  const payloads: Uint8Array[] = [];
  for (let i = 0; i < options.batch; i++) payloads.push(new Uint8Array(options.size).fill(i & 0xff));

  // Warm up, then measure.
  for (let i = 0; i < 50; i++) {
    leader.node.proposeBatch(payloads);
    pump();
  }
  const before = [...members.values()].map((m) => m.appliedCommands);
  const started = performance.now();
  let proposed = 0;
  while (proposed < options.proposals) {
    leader.node.proposeBatch(payloads);
    proposed += payloads.length;
    pump();
  }
  const seconds = (performance.now() - started) / 1000;
  const appliedEverywhere = Math.min(...[...members.values()].map((m, i) => m.appliedCommands - (before[i] as number)));
  if (appliedEverywhere !== proposed) throw new Error(`only ${appliedEverywhere} of ${proposed} proposals applied on every member`);
  const opsPerSecond = Math.round(proposed / seconds);
  console.log(
    `raft core, 3 members in memory: ${proposed} proposals of ${options.size} bytes in batches of ${options.batch}, ` +
      `${seconds.toFixed(2)} s, ${opsPerSecond.toLocaleString('en-US')} ops/s (committed and applied on all 3)`,
  );
}

run(parseOptions(process.argv.slice(2)));
