import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { StorageError } from '../errors.js';
import type { MemberInfo, StoreServer } from '../server/store-server.js';
import { headerToWire } from './convert.js';
import { unary } from './unary.js';

function memberToWire(m: MemberInfo): Record<string, unknown> {
  return { ID: m.id.toString(), name: m.name, peerURLs: [...m.peerUrls], clientURLs: [...m.clientUrls], isLearner: m.isLearner };
}

/** etcd's Cluster service. A single member lists itself; changing membership needs Raft (issue 6). */
export function clusterService(server: StoreServer): UntypedServiceImplementation {
  const single = unary(() => {
    throw new StorageError('NotCapable');
  });
  return {
    // etcd's member list header carries no revision.
    MemberList: unary(() => ({ header: headerToWire(server.header(0)), members: server.members().map(memberToWire) })),
    MemberAdd: single,
    MemberRemove: single,
    MemberUpdate: single,
    MemberPromote: single,
  };
}
