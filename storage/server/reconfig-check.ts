// etcd's --strict-reconfig-check: the member that receives a membership change refuses it when
// carrying it out could leave the cluster without a working quorum. "Started" members are those
// that have published their name (etcd's IsStarted); "connected" peers are those this member's
// transport has had a working stream to for at least etcd's health interval (5 s).

import type { StorageErrorCode } from '../errors.js';
import type { MemberInfo } from './member-types.js';

/** etcd's HealthInterval: how long a peer must have been connected to count as healthy. */
export const HEALTH_INTERVAL_MS = 5000;

/** What the checks look at: this member's view of the membership and of its peer connections. */
export interface ReconfigView {
  readonly self: bigint;
  readonly members: readonly MemberInfo[];
  /** When the transport's stream to a peer started working (ms since the epoch); undefined while it is down. */
  activeSince(id: bigint): number | undefined;
  readonly now: number;
}

const isStarted = (m: MemberInfo): boolean => m.name !== '';
const voters = (view: ReconfigView): MemberInfo[] => view.members.filter((m) => !m.isLearner);

/** Whether the peer has been connected for the whole health interval (this member always is). */
function connectedLongEnough(view: ReconfigView, id: bigint): boolean {
  if (id === view.self) return true;
  const since = view.activeSince(id);
  return since !== undefined && since <= view.now - HEALTH_INTERVAL_MS;
}

/** Why adding a member is refused, or undefined. */
export function refuseAdd(view: ReconfigView, isLearner: boolean): StorageErrorCode | undefined {
  const voting = voters(view);
  if (!isLearner) {
    // The new member counts toward the future quorum but not as started.
    const total = voting.length + 1;
    const started = voting.filter(isStarted).length;
    const restoringFromOne = started === 1 && total === 2;
    if (!restoringFromOne && started < Math.floor(total / 2) + 1) return 'NotEnoughStartedMembers';
  }
  if (!voting.every((m) => connectedLongEnough(view, m.id))) return 'Unhealthy';
  return undefined;
}

/** Why removing member id is refused, or undefined. */
export function refuseRemove(view: ReconfigView, id: bigint): StorageErrorCode | undefined {
  const target = view.members.find((m) => m.id === id);
  if (target?.isLearner === true) return undefined; // a learner holds no share of the quorum
  const voting = voters(view);
  const remaining = voting.filter((m) => m.id !== id);
  if (remaining.filter(isStarted).length < Math.floor(remaining.length / 2) + 1) return 'NotEnoughStartedMembers';
  // A member that is down is not part of the working quorum: removing it is safe.
  if (id !== view.self && view.activeSince(id) === undefined) return undefined;
  const active = voting.filter((m) => connectedLongEnough(view, m.id)).length;
  if (active - 1 < 1 + Math.floor((voting.length - 1) / 2)) return 'Unhealthy';
  return undefined;
}

/** Why promoting learner id is refused (beyond its being in sync), or undefined. */
export function refusePromote(view: ReconfigView): StorageErrorCode | undefined {
  const voting = voters(view);
  // The learner counts toward the future quorum and as started.
  const total = voting.length + 1;
  const started = voting.filter(isStarted).length + 1;
  return started < Math.floor(total / 2) + 1 ? 'NotEnoughStartedMembers' : undefined;
}
