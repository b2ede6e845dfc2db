import { StorageError } from '../errors.js';
import type { MemberInfo, StoreServer } from '../server/store-server.js';
import { headerToWire } from './convert.js';
import type { UnaryHandlers } from './unary.js';

function memberToWire(m: MemberInfo): Record<string, unknown> {
  return { ID: m.id.toString(), name: m.name, peerURLs: [...m.peerUrls], clientURLs: [...m.clientUrls], isLearner: m.isLearner };
}

/** etcd's Cluster service. A single member lists itself; changing membership needs Raft. */
export function clusterHandlers(server: StoreServer): UnaryHandlers {
  const notCapable = (): never => {
    throw new StorageError('NotCapable');
  };
  return {
    // etcd's member list header carries no revision.
    MemberList: () => ({ header: headerToWire(server.header(0)), members: server.members().map(memberToWire) }),
    MemberAdd: notCapable,
    MemberRemove: notCapable,
    MemberUpdate: notCapable,
    MemberPromote: notCapable,
  };
}
