import { StorageError } from '../errors.js';
import type { StoreServer } from '../server/store-server.js';
import type { MemberInfo } from '../server/member-types.js';
import { big, headerToWire } from './convert.js';
import type { UnaryHandlers } from './unary.js';
import type { CallCredentials } from '../auth/auth-info.js';

function memberToWire(m: MemberInfo): Record<string, unknown> {
  return { ID: m.id.toString(), name: m.name, peerURLs: [...m.peerUrls], clientURLs: [...m.clientUrls], isLearner: m.isLearner };
}

/** etcd's Cluster service. A single member lists itself and cannot change membership; a cluster member can. */
export function clusterHandlers(server: StoreServer): UnaryHandlers {
  const header = (): Record<string, unknown> => headerToWire(server.header(0));
  const urls = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  // Membership changes need the root role once auth is enabled (etcd's checkMembershipOperationPermission).
  const admin = async (creds: CallCredentials): Promise<void> => server.auth.store.checkAdmin(await server.callerOf(creds));
  return {
    // etcd's member list header carries no revision.
    MemberList: () => ({ header: header(), members: server.members().map(memberToWire) }),
    MemberAdd: async (req, _size, creds) => {
      await admin(creds);
      const peerUrls = urls(req.peerURLs);
      checkPeerUrls(peerUrls);
      const { member, members } = await server.memberAdd(peerUrls, req.isLearner === true);
      return { header: header(), member: memberToWire(member), members: members.map(memberToWire) };
    },
    MemberRemove: async (req, _size, creds) => {
      await admin(creds);
      return { header: header(), members: (await server.memberRemove(big(req.ID))).map(memberToWire) };
    },
    MemberUpdate: async (req, _size, creds) => {
      await admin(creds);
      const peerUrls = urls(req.peerURLs);
      checkPeerUrls(peerUrls);
      return { header: header(), members: (await server.memberUpdate(big(req.ID), peerUrls)).map(memberToWire) };
    },
    MemberPromote: async (req, _size, creds) => {
      await admin(creds);
      return { header: header(), members: (await server.memberPromote(big(req.ID))).map(memberToWire) };
    },
  };
}

/** etcd's check of the URLs given to member add and update. */
function checkPeerUrls(peerUrls: readonly string[]): void {
  const ok = peerUrls.length > 0 && peerUrls.every((u) => {
    try {
      const url = new URL(u);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.port !== '' && (url.pathname === '/' || url.pathname === '');
    } catch {
      return false;
    }
  });
  if (!ok) throw new StorageError('MemberBadUrls');
}
