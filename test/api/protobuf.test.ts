import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKubernetesProtobuf } from '../../api/protobuf/decode.js';
import { ProtobufError } from '../../api/protobuf/protobuf-error.js';

// A tiny proto2 encoder, enough to build envelopes by hand.
type Field = readonly [number, number | bigint | boolean | string | Buffer | Field[]];

function varint(n: bigint): Buffer {
  let v = BigInt.asUintN(64, n);
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v === 0n ? byte : byte | 0x80);
  } while (v !== 0n);
  return Buffer.from(out);
}

function msg(fields: readonly Field[]): Buffer {
  const parts: Buffer[] = [];
  for (const [n, value] of fields) {
    if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
      parts.push(varint(BigInt(n << 3)), varint(typeof value === 'boolean' ? (value ? 1n : 0n) : BigInt(value)));
    } else {
      const body = typeof value === 'string' ? Buffer.from(value) : Buffer.isBuffer(value) ? value : msg(value);
      parts.push(varint(BigInt((n << 3) | 2)), varint(BigInt(body.length)), body);
    }
  }
  return Buffer.concat(parts);
}

const entry = (key: string, value: string | Buffer | Field[]): Field[] => [[1, key], [2, value]];

function envelope(apiVersion: string, kind: string, object: Field[]): Buffer {
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), msg([[1, [[1, apiVersion], [2, kind]]], [2, msg(object)], [3, ''], [4, '']])]);
}

/** ObjectMeta as Go's marshaler writes it: every non-pointer field, zero or not. */
function meta(name: string, extra: Field[] = []): Field[] {
  return [[1, name], [2, ''], [3, ''], [4, ''], [5, ''], [6, ''], [7, 0], [8, []], ...extra];
}

test('decodes the envelope and drops zero-valued non-pointer fields', () => {
  const body = envelope('v1', 'Namespace', [[1, meta('team-a')], [2, []], [3, [[1, '']]]]);
  assert.deepEqual(decodeKubernetesProtobuf(body), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
});

test('table: each kind decodes to the JSON kubectl would send', () => {
  const cases: Array<{ name: string; body: Buffer; want: unknown }> = [
    {
      name: 'ConfigMap with data, binaryData, labels, annotations, immutable=false kept (pointer)',
      body: envelope('v1', 'ConfigMap', [
        [1, meta('colors', [[11, entry('tier', 'web')], [12, entry('owner', 'ops')], [3, 'team-a']])],
        [4, false],
        [2, entry('primary', 'blue')],
        [2, entry('empty', [])],
        [3, entry('bin', Buffer.from([0, 1, 2]))],
      ]),
      want: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'colors', namespace: 'team-a', labels: { tier: 'web' }, annotations: { owner: 'ops' } }, immutable: false, data: { primary: 'blue', empty: '' }, binaryData: { bin: 'AAEC' } },
    },
    {
      name: 'Secret data bytes become base64, type and stringData kept',
      body: envelope('v1', 'Secret', [[1, meta('token')], [2, entry('value', Buffer.from('s3cret'))], [4, entry('plain', 'text')], [3, 'Opaque']]),
      want: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token' }, data: { value: Buffer.from('s3cret').toString('base64') }, stringData: { plain: 'text' }, type: 'Opaque' },
    },
    {
      name: 'ServiceAccount with references and automount=false',
      body: envelope('v1', 'ServiceAccount', [[1, meta('robot')], [2, [[1, 'Secret'], [3, 'tok']]], [3, [[1, 'pull']]], [4, false]]),
      want: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' }, secrets: [{ kind: 'Secret', name: 'tok' }], imagePullSecrets: [{ name: 'pull' }], automountServiceAccountToken: false },
    },
    {
      name: 'Service: IntOrString as number and as string, repeated ports',
      body: envelope('v1', 'Service', [
        [1, meta('svc')],
        [2, [
          [1, [[1, 'http'], [2, 'TCP'], [3, 80], [4, [[1, 0], [2, 8080], [3, '']]], [5, 0]]],
          [1, [[1, 'named'], [2, 'TCP'], [3, 443], [4, [[1, 1], [2, 0], [3, 'https']]], [5, 0]]],
          [2, entry('app', 'svc')],
          [3, ''],
          [4, 'ClusterIP'],
          [12, 0],
          [13, false],
        ]],
        [3, [[1, []]]],
      ]),
      want: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }, { name: 'named', protocol: 'TCP', port: 443, targetPort: 'https' }], selector: { app: 'svc' }, type: 'ClusterIP' } },
    },
    {
      name: 'Pod: containers, env, Quantity strings, pointer int64 zero kept, inline LocalObjectReference, packed int64 list',
      body: envelope('v1', 'Pod', [
        [1, meta('p', [[8, [[1, 1700000000], [2, 5]]]])],
        [2, [
          [2, [
            [1, 'app'], [2, 'nginx:1.27'], [3, 'sh'], [3, '-c'], [4, 'sleep 1'],
            [6, [[1, ''], [2, 0], [3, 80], [4, 'TCP'], [5, '']]],
            [7, [[1, 'A'], [2, 'x']]],
            [7, [[1, 'B'], [2, ''], [3, [[4, [[1, [[1, 'creds']]], [2, 'pw']]]]]]],
            [8, [[1, entry('cpu', [[1, '500m']])], [2, entry('memory', [[1, '64Mi']])]]],
            [16, false], [17, false], [18, true],
          ]],
          [4, 0],
          [14, [[4, Buffer.from([0x02, 0x03])]]],
          [30, true],
        ]],
        [3, [[1, 'Pending']]],
      ]),
      want: {
        apiVersion: 'v1', kind: 'Pod',
        metadata: { name: 'p', creationTimestamp: '2023-11-14T22:13:20Z' },
        spec: {
          containers: [{
            name: 'app', image: 'nginx:1.27', command: ['sh', '-c'], args: ['sleep 1'],
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            env: [{ name: 'A', value: 'x' }, { name: 'B', valueFrom: { secretKeyRef: { name: 'creds', key: 'pw' } } }],
            resources: { limits: { cpu: '500m' }, requests: { memory: '64Mi' } },
            tty: true,
          }],
          terminationGracePeriodSeconds: 0,
          securityContext: { supplementalGroups: [2, 3] },
          enableServiceLinks: true,
        },
        status: { phase: 'Pending' },
      },
    },
    {
      name: 'Deployment: replicas pointer 0 kept, selector, template, rollingUpdate IntOrString',
      body: envelope('apps/v1', 'Deployment', [
        [1, meta('web', [[11, entry('app', 'web')]])],
        [2, [
          [1, 0],
          [2, [[1, entry('app', 'web')], [2, [[1, 'tier'], [2, 'In'], [3, 'a'], [3, 'b']]]]],
          [3, [[1, meta('', [[11, entry('app', 'web')]])], [2, [[2, [[1, 'nginx'], [2, 'nginx']]]]]]],
          [4, [[1, 'RollingUpdate'], [2, [[1, [[1, 0], [2, 0], [3, '']]], [2, [[1, 1], [2, 0], [3, '25%']]]]]]],
          [5, 0], [7, false],
        ]],
        [3, [[1, 0], [2, 0], [3, 0]]],
      ]),
      want: {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
        },
      },
    },
    {
      name: 'DeleteOptions (meta.k8s.io/v1): gracePeriodSeconds 0, propagationPolicy, dryRun',
      body: envelope('meta.k8s.io/v1', 'DeleteOptions', [[1, 0], [4, 'Foreground'], [5, 'All']]),
      want: { apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Foreground', dryRun: ['All'] },
    },
    {
      name: 'negative int32 and int64 (10-byte varints)',
      body: envelope('v1', 'Pod', [[1, meta('neg')], [2, [[25, -5], [5, -7n]]]]),
      want: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'neg' }, spec: { priority: -5, activeDeadlineSeconds: -7 } },
    },
    {
      name: 'unknown fields holding zero values are skipped',
      body: envelope('v1', 'ConfigMap', [[1, meta('z', [[99, ''], [98, 0], [97, [[1, '']]]])], [50, 0]]),
      want: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'z' } },
    },
  ];
  for (const c of cases) assert.deepEqual(decodeKubernetesProtobuf(c.body), c.want, c.name);
});

test('errors carry a code', () => {
  const code = (body: Buffer): string => {
    try {
      decodeKubernetesProtobuf(body);
    } catch (err) {
      assert.ok(err instanceof ProtobufError);
      return err.code;
    }
    return 'none';
  };
  assert.equal(code(Buffer.from('{"kind":"ConfigMap"}')), 'Malformed', 'no magic');
  assert.equal(code(Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0x0a, 0x05, 0x01])])), 'Malformed', 'truncated');
  assert.equal(code(envelope('batch/v1', 'Job', [[1, meta('j')]])), 'UnknownKind');
  assert.equal(code(envelope('v1', 'ConfigMap', [[1, meta('c')], [50, 'data Kite would lose']])), 'UnknownField');
  assert.equal(code(envelope('v1', 'Pod', [[1, meta('p')], [2, [[1, [[1, 'vol']]]]]])), 'UnknownField', 'volumes are not in the tables');
  assert.equal(code(envelope('v1', 'ConfigMap', [[1, 7]])), 'Malformed', 'wrong wire type');
});
