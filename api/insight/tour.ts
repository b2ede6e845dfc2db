/**
 * The guided tour: the seed documents' commands (namespaces under
 * /registry/namespaces/, `etcdctl get ... -w=json`, `get --prefix`, `member list`,
 * `endpoint status`), each answered live from this Kite, with what kube-apiserver
 * on etcd would store beside it: Kite keeps objects as JSON where kube-apiserver
 * keeps protobuf (`k8s\0` + runtime.Unknown), so one object is shown in both forms.
 */
import type { Registry } from '../../registry/generic/resource-store.js';
import { encodeKubernetesProtobuf } from '../protobuf/encode.js';
import type { ClusterState } from '../../registry/insight/cluster-monitor.js';
import type { InsightAccess } from './access.js';
import type { InsightServices } from './insight-services.js';
import { keyOwners, renderValue } from './key-views.js';

export interface TourStep {
  readonly id: string;
  readonly title: string;
  /** The command as the seed documents run it against etcd. */
  readonly command: string;
  /** What it shows about how Kubernetes uses its store. */
  readonly explanation: string;
  /** The answer from this Kite, shaped as etcdctl prints it. */
  readonly result: unknown;
  /** Set when the user may not see this step's keys. */
  readonly isHidden?: boolean;
}

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

/** The tour's steps, answered now. */
export async function tourSteps(s: InsightServices, registry: Registry, access: InsightAccess): Promise<TourStep[]> {
  const owners = keyOwners(registry);
  const cluster = await s.cluster.state();
  const me = cluster.members.find((m) => m.role === 'leader') ?? cluster.members[0];
  const mayNamespaces = await access.maySeeKey(owners.place('/registry/namespaces/default'));
  const namespaces = mayNamespaces ? await s.store.list('/registry/namespaces/') : undefined;
  const dflt = mayNamespaces ? await s.store.get('/registry/namespaces/default') : undefined;
  const object = dflt?.object;
  const json = object === undefined ? undefined : renderValue(object.value);
  const objectJson = json?.encoding === 'json' ? (json.value as Record<string, unknown>) : undefined;
  const protobuf = objectJson === undefined ? undefined : encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'Namespace', ...objectJson });
  const visibleKeys: string[] = [];
  for (const o of (await s.store.list('/registry/', { limit: 400 })).objects) if (await access.maySeeKey(owners.place(o.key))) visibleKeys.push(o.key);
  return [
    {
      id: 'namespaces',
      title: 'Namespaces are keys under /registry/namespaces/',
      command: 'etcdctl get /registry/namespaces/ --prefix --keys-only',
      explanation: 'Every object the API server keeps is one key: /registry/<resource>/<name> for cluster-scoped kinds, /registry/<resource>/<namespace>/<name> for namespaced ones.',
      result: namespaces?.objects.map((o) => o.key) ?? [],
      ...(mayNamespaces ? {} : { isHidden: true }),
    },
    {
      id: 'get-json',
      title: 'One object, with its revisions',
      command: 'etcdctl get /registry/namespaces/default -w=json',
      explanation:
        "create_revision is the store revision that created the key, mod_revision the one that last changed it (the object's resourceVersion), version how many times it was written. " +
        'Kite stores the object as JSON; kube-apiserver on etcd stores it as protobuf: the 4 bytes k8s\\0, then a runtime.Unknown holding apiVersion and kind and the Namespace message. Both forms of this object are shown.',
      result: {
        header: { cluster_id: me?.clusterId ?? '', member_id: me === undefined ? '' : BigInt(`0x${me.id === '?' ? '0' : me.id}`).toString(), revision: dflt?.revision ?? 0, raft_term: me?.term ?? 0 },
        kvs:
          object === undefined
            ? []
            : [{ key: b64(object.key), create_revision: object.createRevision, mod_revision: object.modRevision, version: object.version ?? 0, value: b64(object.value) }],
        count: object === undefined ? 0 : 1,
        kiteValue: objectJson,
        kubeApiserverValue: protobuf === undefined ? undefined : { base64: protobuf.toString('base64'), hex: protobuf.toString('hex'), bytes: protobuf.length, jsonBytes: object?.value.length ?? 0 },
      },
      ...(mayNamespaces ? {} : { isHidden: true }),
    },
    {
      id: 'get-prefix',
      title: 'Everything the API server keeps',
      command: 'etcdctl get /registry --prefix --keys-only',
      explanation: 'The whole cluster state is this keyspace: the Keyspace tab shows it as a tree with live counts. Keys you may not list are left out.',
      result: visibleKeys,
    },
    ...clusterSteps(cluster),
  ];
}

/** The tour's steps about the store's members (etcdctl member list, endpoint status): the same for `kite apiserver` and `kite store`. */
export function clusterSteps(cluster: ClusterState): TourStep[] {
  return [
    {
      id: 'member-list',
      title: 'The members of the store',
      command: 'etcdctl member list',
      explanation:
        cluster.mode === 'embedded'
          ? 'This store has one member: the list has one line.'
          : 'One line per member, as etcdctl prints it (id, status, name, client URL).',
      result: cluster.members.map((m) => `${m.id}, ${m.role === 'unreachable' ? 'unreachable' : 'started'}, ${m.name}, ${m.endpoint}, ${m.role === 'learner'}`),
    },
    {
      id: 'endpoint-status',
      title: 'Who leads, at which term and index',
      command: 'etcdctl -w table endpoint status',
      explanation: 'The Raft term counts leaders; the index counts log entries committed; the applied index says how far each member has applied them. The Cluster tab follows these live.',
      result: cluster.members.map((m) => ({ endpoint: m.endpoint, id: m.id, isLeader: m.role === 'leader', isLearner: m.role === 'learner', raftTerm: m.term, raftIndex: m.commitIndex, raftAppliedIndex: m.appliedIndex, errors: m.errors.join(', ') })),
    },
  ];
}
