// Who sees what on the insight page: /ui/api/ authenticates like any request, and shows
// each user only the keys, values and trail rows RBAC lets them read. alice may list
// secrets and get configmaps in team-a but not get secrets: she sees the Secret's key with
// its values redacted. bob may only read configmaps in default: he sees no Secret, nothing
// of team-a, and none of its trail rows. Without credentials: 401.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.js';
import { httpsFetch } from '../helpers/https-fetch.js';
import { tempDir } from '../helpers/processes.js';

interface Keyspace {
  resources: { resource: string; namespaces: { namespace: string; keys: { key: string }[] }[] }[];
}
interface TrailRows {
  entries: { user: string; verb: string; resource: string; namespace: string; ops: { key?: string }[] }[];
}

async function post(api: ApiServerProcess, path: string, body: unknown): Promise<void> {
  const res = await api.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 201, `${path}: ${await res.text()}`);
}

const keysOf = (k: Keyspace): string[] => k.resources.flatMap((r) => r.namespaces.flatMap((n) => n.keys.map((x) => x.key)));

test('the insight endpoints show each user only what RBAC lets them read, and redact Secrets they may not get', { timeout: 60_000 }, async () => {
  const dir = tempDir('insight-access');
  const tokens = join(dir.path, 'tokens.csv');
  writeFileSync(tokens, 'tok-alice,alice,u1\ntok-bob,bob,u2\n');
  const api = await startApiServer(dir.path, undefined, [`--token-auth-file=${tokens}`, '--controllers=', '--log-level=warn']);
  const stopEvents = new AbortController();
  try {
    const as = (token: string | undefined) => {
      const f = httpsFetch({ ca: api.tls!.ca });
      return async <T>(path: string): Promise<{ status: number; body: T }> => {
        const res = await f(`${api.url}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
        return { status: res.status, body: (await res.json()) as T };
      };
    };
    const alice = as('tok-alice');
    const bob = as('tok-bob');
    assert.equal((await as(undefined)('/ui/api/keyspace')).status, 401, 'no credentials: 401');

    // The admin holds a page open, so the writes below are recorded in the trail.
    const events = await api.fetch('/ui/api/events', { signal: stopEvents.signal });
    assert.equal(events.headers.get('content-type'), 'text/event-stream');
    const draining = (async () => {
      try {
        for await (const _ of events.body as unknown as AsyncIterable<Uint8Array>) void _;
      } catch (err) {
        if (!stopEvents.signal.aborted) throw err;
      }
    })();

    await post(api, '/api/v1/namespaces', { metadata: { name: 'team-a' } });
    await post(api, '/api/v1/namespaces/team-a/configmaps', { metadata: { name: 'settings' }, data: { colour: 'blue' } });
    await post(api, '/api/v1/namespaces/team-a/secrets', { metadata: { name: 'db' }, stringData: { password: 's3cret' } });
    await post(api, '/api/v1/namespaces/default/configmaps', { metadata: { name: 'public' }, data: { a: '1' } });
    const rbac = '/apis/rbac.authorization.k8s.io/v1/namespaces';
    await post(api, `${rbac}/team-a/roles`, { metadata: { name: 'reader' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }, { apiGroups: [''], resources: ['secrets'], verbs: ['list'] }] });
    await post(api, `${rbac}/team-a/rolebindings`, { metadata: { name: 'alice' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' }, subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }] });
    await post(api, `${rbac}/default/roles`, { metadata: { name: 'cm' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }] });
    await post(api, `${rbac}/default/rolebindings`, { metadata: { name: 'bob' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm' }, subjects: [{ kind: 'User', name: 'bob', apiGroup: 'rbac.authorization.k8s.io' }] });

    const secretKey = '/registry/secrets/team-a/db';
    const aliceKeys = keysOf((await alice<Keyspace>('/ui/api/keyspace')).body);
    assert.deepEqual(aliceKeys.sort(), ['/registry/configmaps/team-a/settings', secretKey]);
    const bobKeys = keysOf((await bob<Keyspace>('/ui/api/keyspace')).body);
    assert.deepEqual(bobKeys, ['/registry/configmaps/default/public']);

    // alice sees the Secret's key, but not its values; the admin sees them.
    const seen = await alice<{ isRedacted: boolean; versions: { value: { data: Record<string, string> } }[] }>(`/ui/api/key?key=${encodeURIComponent(secretKey)}`);
    assert.equal(seen.status, 200);
    assert.equal(seen.body.isRedacted, true);
    assert.match(seen.body.versions[0]!.value.data.password!, /^<redacted/);
    assert.ok(!JSON.stringify(seen.body).includes(Buffer.from('s3cret').toString('base64')), 'no trace of the value');
    const admin = (await (await api.fetch(`/ui/api/key?key=${encodeURIComponent(secretKey)}`)).json()) as { isRedacted: boolean; versions: { value: { data: Record<string, string> } }[] };
    assert.equal(admin.isRedacted, false);
    assert.equal(admin.versions[0]!.value.data.password, Buffer.from('s3cret').toString('base64'));
    // bob may not see it at all, nor alice a configmap outside team-a.
    assert.equal((await bob(`/ui/api/key?key=${encodeURIComponent(secretKey)}`)).status, 403);
    assert.equal((await alice(`/ui/api/key?key=${encodeURIComponent('/registry/configmaps/default/public')}`)).status, 403);

    // The trail: the admin's writes in team-a are alice's to see (configmaps, secrets), not bob's.
    const aliceRows = (await alice<TrailRows>('/ui/api/trail')).body.entries;
    assert.ok(aliceRows.some((e) => e.resource === 'secrets' && e.namespace === 'team-a' && e.verb === 'create'));
    assert.ok(aliceRows.every((e) => (e.namespace === 'team-a' && ['configmaps', 'secrets'].includes(e.resource)) || (e.ops.length === 0 && e.resource === '')), JSON.stringify(aliceRows.map((e) => [e.verb, e.resource, e.namespace])));
    const bobRows = (await bob<TrailRows>('/ui/api/trail')).body.entries;
    assert.ok(bobRows.some((e) => e.resource === 'configmaps' && e.namespace === 'default'));
    assert.ok(bobRows.every((e) => e.namespace !== 'team-a' && e.resource !== 'secrets' && e.ops.every((o) => !(o.key ?? '').includes('team-a'))), JSON.stringify(bobRows.map((e) => [e.verb, e.resource, e.namespace])));
    // Filters narrow the rows.
    const filtered = (await alice<TrailRows>('/ui/api/trail?resource=secrets&verb=create')).body.entries;
    assert.deepEqual(filtered.map((e) => [e.verb, e.resource]), [['create', 'secrets']]);
    stopEvents.abort();
    await draining;
  } finally {
    stopEvents.abort();
    await api.stop();
    dir.remove();
  }
});
