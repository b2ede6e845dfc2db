// Transcript tests in the manner of etcd's raft testdata: a file of commands, each followed
// by `----` and the output it produced (every Ready the members handled, or a state dump).
// Running with REWRITE=1 regenerates the outputs; changes are then reviewed as diffs.
//
// Commands (ids are member ids):
//   bootstrap 1 2 3 [pre-vote] [check-quorum] [max-size=N] [max-inflight=N]
//   campaign ID | tick ID [N] | tick-all [N] | propose ID TEXT | read-index ID CTX
//   transfer-leader ID TO | conf-change ID add-learner|add-node|remove-node|update-node ID
//   add-member ID | isolate ID | cut A B | heal | compact ID | restart ID
//   stabilize                 handle every Ready and deliver every message, printing Readies
//   state                     role, term, lead, commit and applied of every member
//   log ID                    a member's log

import { readFileSync, writeFileSync } from 'node:fs';
import { ConfChangeType, decodeConfChange, type ConfChangeType as ConfChangeKind } from '../../storage/raft/core/conf-change.js';
import { RaftError } from '../../storage/raft/core/errors.js';
import type { Entry, Message, NodeId } from '../../storage/raft/core/messages.js';
import type { Ready } from '../../storage/raft/core/raw-node.js';
import { Cluster, bytes, type MemberOptions } from './harness.js';

/** One command and the output recorded for it. */
interface Block {
  /** Comment lines before the command. */
  readonly comments: string[];
  readonly command: string;
  readonly expected: string;
}

export function parseTranscript(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let comments: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    if (line.trim() === '' && comments.length === 0) {
      i++;
      continue;
    }
    if (line.startsWith('#') || line.trim() === '') {
      comments.push(line);
      i++;
      continue;
    }
    const command = line;
    if (lines[i + 1] !== '----') throw new Error(`line ${i + 2}: expected ---- after "${command}"`);
    i += 2;
    const out: string[] = [];
    while (i < lines.length && lines[i] !== '') out.push(lines[i++] as string);
    blocks.push({ comments, command, expected: out.join('\n') });
    comments = [];
  }
  return blocks;
}

export function renderTranscript(blocks: readonly { comments: string[]; command: string; output: string }[]): string {
  return blocks.map((b) => [...b.comments, b.command, '----', b.output].join('\n')).join('\n\n') + '\n';
}

const decoder = new TextDecoder();

function describeEntry(e: Entry): string {
  if (e.type === 'conf-change') {
    const cc = decodeConfChange(e.data);
    return `${e.term}/${e.index} ${cc.type} ${cc.nodeId}`;
  }
  return `${e.term}/${e.index} ${JSON.stringify(decoder.decode(e.data))}`;
}

function describeMessage(m: Message): string {
  const parts = [`${m.from}->${m.to} ${m.type} term=${m.term}`];
  switch (m.type) {
    case 'app':
      parts.push(`prev=${m.logTerm}/${m.index} commit=${m.commit}`);
      if (m.entries.length > 0) parts.push(`entries=[${m.entries.map((e) => `${e.term}/${e.index}`).join(' ')}]`);
      break;
    case 'app-resp':
      parts.push(m.reject ? `reject=${m.index} hint=${m.logTerm}/${m.rejectHint}` : `index=${m.index}`);
      break;
    case 'vote':
    case 'pre-vote':
      parts.push(`last=${m.logTerm}/${m.index}${m.transfer ? ' transfer' : ''}`);
      break;
    case 'vote-resp':
    case 'pre-vote-resp':
      if (m.reject) parts.push('rejected');
      break;
    case 'heartbeat':
      parts.push(`commit=${m.commit}`);
      break;
    case 'snap':
      parts.push(`snapshot=${m.snapshot?.metadata.term}/${m.snapshot?.metadata.index}`);
      break;
    case 'prop':
      parts.push(`entries=${m.entries.length}`);
      break;
    case 'read-index-resp':
      parts.push(`index=${m.index}`);
      break;
    default:
      break;
  }
  if (m.context.byteLength > 0) parts.push(`ctx=${decoder.decode(m.context)}`);
  return parts.join(' ');
}

function describeReady(id: NodeId, rd: Ready): string[] {
  const out = [`> ${id} handling Ready`];
  if (rd.softState !== undefined) out.push(`  State: ${rd.softState.state}, lead ${rd.softState.lead}`);
  if (rd.hardState !== undefined) {
    const hs = rd.hardState;
    out.push(`  HardState: term=${hs.term} vote=${hs.vote} commit=${hs.commit}${rd.mustSync ? ' (sync)' : ''}`);
  }
  if (rd.snapshot !== undefined) out.push(`  Snapshot: ${rd.snapshot.metadata.term}/${rd.snapshot.metadata.index} voters=${rd.snapshot.metadata.confState.voters.join(',')}`);
  if (rd.entries.length > 0) out.push('  Entries:', ...rd.entries.map((e) => `    ${describeEntry(e)}`));
  if (rd.messages.length > 0) out.push('  Messages:', ...rd.messages.map((m) => `    ${describeMessage(m)}`));
  if (rd.committedEntries.length > 0) out.push('  Committed:', ...rd.committedEntries.map((e) => `    ${describeEntry(e)}`));
  for (const rs of rd.readStates) out.push(`  ReadState: index=${rs.index} ctx=${decoder.decode(rs.requestCtx)}`);
  return out;
}

/** Runs the commands of a transcript and returns each command's output. */
export function runTranscript(blocks: readonly Block[]): string[] {
  let cluster: Cluster | undefined;
  const need = (): Cluster => {
    if (cluster === undefined) throw new Error('bootstrap first');
    return cluster;
  };
  const outputs: string[] = [];
  let current: string[] = [];
  for (const block of blocks) {
    const [cmd, ...args] = block.command.trim().split(/\s+/);
    const lines: string[] = [];
    current = lines;
    const id = (i: number): NodeId => BigInt(args[i] ?? '0');
    try {
      switch (cmd) {
        case 'bootstrap': {
          const ids = args.filter((a) => /^\d+$/.test(a)).map((a) => BigInt(a));
          const option = (name: string) => args.find((a) => a.startsWith(`${name}=`))?.split('=')[1];
          const options: MemberOptions = {
            preVote: args.includes('pre-vote'),
            checkQuorum: args.includes('check-quorum'),
            maxSizePerMsg: option('max-size') === undefined ? undefined : Number(option('max-size')),
            maxInflightMsgs: option('max-inflight') === undefined ? undefined : Number(option('max-inflight')),
          };
          cluster = new Cluster(ids, options, true);
          // (The bootstrap Readies, handled in the constructor, are not printed.)
          cluster.onReady = (member, rd) => current.push(...describeReady(member.id, rd));
          lines.push('ok');
          break;
        }
        case 'campaign':
          need().member(id(0)).node.campaign();
          break;
        case 'tick':
          for (let n = 0; n < Number(args[1] ?? 1); n++) need().member(id(0)).node.tick();
          break;
        case 'tick-all':
          for (let n = 0; n < Number(args[0] ?? 1); n++) for (const m of need().members.values()) m.node.tick();
          break;
        case 'propose':
          need().member(id(0)).node.propose(bytes(args.slice(1).join(' ')));
          break;
        case 'read-index':
          need().member(id(0)).node.readIndex(bytes(args[1] ?? ''));
          break;
        case 'transfer-leader':
          need().member(id(0)).node.transferLeader(id(1));
          break;
        case 'conf-change': {
          const type = args[1] as ConfChangeKind;
          if (!Object.values(ConfChangeType).includes(type)) throw new Error(`unknown conf change ${type}`);
          need().member(id(0)).node.proposeConfChange({ type, nodeId: id(2) });
          break;
        }
        case 'add-member':
          need().addMember(id(0));
          break;
        case 'isolate':
          need().isolate(id(0));
          break;
        case 'cut':
          need().cutLink(id(0), id(1));
          break;
        case 'heal':
          need().heal();
          break;
        case 'compact': {
          const m = need().member(id(0));
          const applied = m.raft.raftLog.applied;
          m.storage.createSnapshot(applied, m.raft.prs.confState(), new Uint8Array(0));
          m.storage.compact(applied);
          lines.push(`snapshot and compact at ${applied}`);
          break;
        }
        case 'restart':
          need().member(id(0)).restart();
          break;
        case 'stabilize':
          need().stabilize();
          break;
        case 'state':
          for (const m of need().members.values()) {
            const r = m.raft;
            lines.push(`${m.id}: ${r.state} term=${r.term} lead=${r.lead} commit=${r.raftLog.committed} applied=${r.raftLog.applied}`);
          }
          break;
        case 'log': {
          const log = need().member(id(0)).raft.raftLog;
          if (log.firstIndex() > 1) lines.push(`(compacted through ${log.firstIndex() - 1})`);
          for (let i = log.firstIndex(); i <= log.lastIndex(); i++) lines.push(describeEntry(log.slice(i, i + 1, Infinity)[0] as Entry));
          break;
        }
        default:
          throw new Error(`unknown command ${cmd}`);
      }
    } catch (err) {
      if (!(err instanceof RaftError)) throw err;
      lines.push(`error: ${err.code}`);
    }
    outputs.push(lines.length > 0 ? lines.join('\n') : 'ok');
  }
  return outputs;
}

/** Checks (or with rewrite, regenerates) a transcript file. Returns mismatches as text. */
export function checkTranscriptFile(path: string, rewrite: boolean): string[] {
  const blocks = parseTranscript(readFileSync(path, 'utf8'));
  const outputs = runTranscript(blocks);
  if (rewrite) {
    writeFileSync(path, renderTranscript(blocks.map((b, i) => ({ comments: b.comments, command: b.command, output: outputs[i] as string }))));
    return [];
  }
  const mismatches: string[] = [];
  blocks.forEach((b, i) => {
    if (b.expected !== outputs[i]) mismatches.push(`${path}: "${b.command}"\n--- expected\n${b.expected}\n--- got\n${outputs[i]}`);
  });
  return mismatches;
}
