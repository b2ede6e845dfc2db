/**
 * How the insight page learns the store cluster's state: the embedded member's
 * own status, or Maintenance.Status and Cluster.MemberList on each
 * --etcd-servers endpoint (a Kite cluster or etcd), each bounded by a short
 * deadline so a stopped member shows as unreachable, not as a hang.
 */
import type { ClientTls, WireMessage } from '../storage/client/etcd-grpc-client.js';
import type { StoreServer } from '../storage/server/store-server.js';
import type { ClusterProbe, MemberRole, MemberState } from '../registry/insight/cluster-monitor.js';

const hex = (id: bigint | string): string => BigInt(id).toString(16);

/** The embedded member: one member, always reachable while the API server runs. */
export function embeddedProbe(store: StoreServer, endpoint: string): ClusterProbe {
  return async () => {
    const s = store.status();
    const me = store.members().find((m) => m.id === s.header.memberId);
    const role: MemberRole = s.isLearner ? 'learner' : s.leader === s.header.memberId ? 'leader' : 'follower';
    return [
      {
        id: hex(s.header.memberId),
        clusterId: s.header.clusterId.toString(),
        name: me?.name ?? '',
        endpoint,
        role,
        term: s.raftTerm,
        commitIndex: s.raftIndex,
        appliedIndex: s.raftAppliedIndex,
        revision: s.header.revision,
        leader: hex(s.leader),
        errors: s.errors,
      },
    ];
  };
}

export interface RemoteProbe {
  /** Asks every endpoint. */
  readonly probe: ClusterProbe;
  /** Closes the connections to the endpoints. */
  close(): void;
}

/** Each endpoint of --etcd-servers, asked in parallel with a deadline of deadlineMs. */
export function remoteProbe(endpoints: readonly string[], tls: ClientTls | undefined, deadlineMs = 700): RemoteProbe {
  // gRPC loads here, for a remote store only (an embedded one is probed in-process).
  const connecting = import('../storage/client/etcd-grpc-client.js').then(({ EtcdGrpcClient }) =>
    endpoints.map((e) => {
      const hostPort = e.replace(/^https?:\/\//, '').replace(/\/$/, '');
      return { endpoint: e, client: new EtcdGrpcClient(hostPort, {}, deadlineMs, e.startsWith('https://') || tls !== undefined ? (tls ?? { ca: Buffer.alloc(0) }) : undefined) };
    }),
  );
  const names = new Map<string, string>();
  // Who answered at each endpoint before, to name a member once it stops answering.
  const seen = new Map<string, { id: string; name: string }>();
  const probe: ClusterProbe = async () => {
    const answers = await Promise.all(
      (await connecting).map(async ({ endpoint, client }): Promise<MemberState> => {
        try {
          const s = await client.status();
          const header = s.header as WireMessage;
          const id = hex(String(header.memberId));
          if (!names.has(id)) {
            const list = await client.memberList();
            for (const m of (list.members as WireMessage[] | undefined) ?? []) names.set(hex(String(m.ID)), String(m.name ?? ''));
          }
          const leader = hex(String(s.leader ?? '0'));
          seen.set(endpoint, { id, name: names.get(id) ?? '' });
          return {
            id,
            clusterId: String(header.clusterId ?? ''),
            name: names.get(id) ?? '',
            endpoint,
            role: s.isLearner === true ? 'learner' : leader === id ? 'leader' : 'follower',
            term: Number(s.raftTerm ?? 0),
            commitIndex: Number(s.raftIndex ?? 0),
            appliedIndex: Number(s.raftAppliedIndex ?? 0),
            revision: Number(header.revision ?? 0),
            leader,
            errors: ((s.errors as string[] | undefined) ?? []).map(String),
          };
        } catch (err) {
          const known = seen.get(endpoint);
          return { id: known?.id ?? '?', clusterId: '', name: known?.name ?? '', endpoint, role: 'unreachable', term: 0, commitIndex: 0, appliedIndex: 0, revision: 0, leader: '0', errors: [String((err as { details?: string }).details ?? err)] };
        }
      }),
    );
    return answers;
  };
  return { probe, close: () => void connecting.then((clients) => clients.forEach((c) => c.client.close())) };
}
