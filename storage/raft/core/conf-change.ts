// Membership changes, one member at a time. A ConfChange travels through the log as the
// data of a 'conf-change' entry; it takes effect on a member when the application has
// applied the entry and calls applyConfChange().

import { RaftError, RaftErrorCode } from './errors.js';
import type { NodeId } from './messages.js';

export const ConfChangeType = {
  /** Add a voter, or promote a learner to voter. */
  AddNode: 'add-node',
  /** Remove a voter or learner. */
  RemoveNode: 'remove-node',
  /** Add a learner, or demote a voter to learner. */
  AddLearner: 'add-learner',
  /** Change nothing in the configuration; carries new context (for example an address). */
  UpdateNode: 'update-node',
} as const;
export type ConfChangeType = (typeof ConfChangeType)[keyof typeof ConfChangeType];

/** A change to the membership. */
export interface ConfChange {
  /** What to do. */
  readonly type: ConfChangeType;
  /** The member it is about. */
  readonly nodeId: NodeId;
  /** Opaque data for the application (for example the member's URLs). */
  readonly context?: Uint8Array;
}

const TYPE_CODES: readonly ConfChangeType[] = [
  ConfChangeType.AddNode,
  ConfChangeType.RemoveNode,
  ConfChangeType.AddLearner,
  ConfChangeType.UpdateNode,
];

/** Encodes a ConfChange as entry data: 1 byte type, 8 bytes id (big-endian), then context. */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  const context = cc.context ?? new Uint8Array(0);
  const out = new Uint8Array(9 + context.byteLength);
  const view = new DataView(out.buffer);
  out[0] = TYPE_CODES.indexOf(cc.type);
  view.setBigUint64(1, BigInt.asUintN(64, cc.nodeId));
  out.set(context, 9);
  return out;
}

/** Decodes entry data written by encodeConfChange. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.byteLength < 9) {
    throw new RaftError(RaftErrorCode.InvariantViolated, `conf change entry too short (${data.byteLength} bytes)`);
  }
  const type = TYPE_CODES[data[0] as number];
  if (type === undefined) {
    throw new RaftError(RaftErrorCode.InvariantViolated, `unknown conf change type ${data[0]}`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const nodeId = view.getBigUint64(1);
  const context = data.slice(9);
  return context.byteLength > 0 ? { type, nodeId, context } : { type, nodeId };
}

/**
 * The voters and learners after cc (new arrays; order kept, a newcomer last): AddNode makes
 * its member a voter (promoting a learner), AddLearner a learner (demoting a voter),
 * RemoveNode drops it from both, UpdateNode changes nothing.
 */
export function changedMembership(voters: readonly NodeId[], learners: readonly NodeId[], cc: ConfChange): { voters: NodeId[]; learners: NodeId[] } {
  const without = (ids: readonly NodeId[]) => ids.filter((id) => id !== cc.nodeId);
  switch (cc.type) {
    case ConfChangeType.AddNode:
      return { voters: voters.includes(cc.nodeId) ? [...voters] : [...voters, cc.nodeId], learners: without(learners) };
    case ConfChangeType.AddLearner:
      return { voters: without(voters), learners: learners.includes(cc.nodeId) ? [...learners] : [...learners, cc.nodeId] };
    case ConfChangeType.RemoveNode:
      return { voters: without(voters), learners: without(learners) };
    case ConfChangeType.UpdateNode:
      return { voters: [...voters], learners: [...learners] };
  }
}
