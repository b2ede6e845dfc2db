// Who sees what on `kite store`'s insight page with etcd auth on: without credentials,
// with a wrong password or a token that names no one, the page's data is refused in
// etcd's words; a user whose role reads only /app/ sees only keys, trail rows and
// watches under /app/; root sees everything; an etcd token (Auth.Authenticate through
// the JSON gateway) is taken as the gateway takes it; a key as of a compacted or future
// revision is refused in etcd's words.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { etcdctl, missingTool, startStore, tempDir } from '../helpers/processes.js';

const basic = (user: string, password: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

function ok(endpoint: string, args: readonly string[]): void {
  const r = etcdctl(endpoint, args);
  assert.equal(r.code, 0, `etcdctl ${args.join(' ')}: ${r.stderr}`);
}

/** Reads an event stream until stop is aborted, collecting the trail rows' keys. */
function follow(url: string, headers: Record<string, string>, stop: AbortSignal): { keys: Set<string>; opened: Promise<void>; done: Promise<void> } {
  const keys = new Set<string>();
  let opened!: () => void;
  const isOpen = new Promise<void>((resolve) => (opened = resolve));
  const done = (async () => {
    const res = await fetch(url, { headers, signal: stop });
    assert.equal(res.status, 200);
    opened();
    let text = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        text += Buffer.from(chunk).toString('utf8');
        for (const m of text.matchAll(/event: trail\ndata: (.*)\n/g)) for (const e of JSON.parse(m[1]!) as { ops: { key: string }[] }[]) for (const op of e.ops) keys.add(op.key);
      }
    } catch (err) {
      if (!stop.aborted) throw err;
    }
  })();
  return { keys, opened: isOpen, done };
}

test('with etcd auth on, the store page refuses callers without credentials, shows a prefix-limited user its prefix only, and root everything', { skip: missingTool('etcdctl', 'etcd-client'), timeout: 60_000 }, async () => {
  const dir = tempDir('insight-store-access');
  const member = await startStore({ kind: 'kite', dataDir: join(dir.path, 'data') });
  const stop = new AbortController();
  try {
    const e = member.endpoint;
    ok(e, ['user', 'add', 'root', '--new-user-password=rootpw']);
    ok(e, ['user', 'add', 'alice', '--new-user-password=alicepw']);
    ok(e, ['role', 'add', 'app-reader']);
    ok(e, ['role', 'grant-permission', 'app-reader', 'read', '/app/', '--prefix']);
    ok(e, ['user', 'grant-role', 'alice', 'app-reader']);
    ok(e, ['auth', 'enable']);
    const root = ['--user=root:rootpw'];
    ok(e, [...root, 'put', '/app/config', 'a']);
    ok(e, [...root, 'put', '/other/secret', 'b']);
    const api = `${member.clientUrl}/ui/api`;

    // Refused, in etcd's words.
    const none = await fetch(`${api}/keyspace`);
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { message: string }).message, 'etcdserver: user name is empty');
    const wrong = await fetch(`${api}/keyspace`, { headers: basic('alice', 'nope') });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { message: string }).message, 'etcdserver: authentication failed, invalid user ID or password');
    const badToken = await fetch(`${api}/keyspace`, { headers: { authorization: 'not-a-token.1' } });
    assert.equal(badToken.status, 401);
    assert.equal(((await badToken.json()) as { message: string }).message, 'etcdserver: invalid auth token');
    assert.equal((await fetch(`${api}/events`)).status, 401);

    // alice reads /app/ only: the keyspace, one key, the trail and the watchers.
    const keysOf = async (headers: Record<string, string>): Promise<string[]> => {
      const res = await fetch(`${api}/keyspace`, { headers });
      assert.equal(res.status, 200);
      return ((await res.json()) as { keys: { key: string }[] }).keys.map((k) => k.key);
    };
    assert.deepEqual(await keysOf(basic('alice', 'alicepw')), ['/app/config']);
    assert.deepEqual(await keysOf(basic('root', 'rootpw')), ['/app/config', '/other/secret']);
    const denied = await fetch(`${api}/key?key=/other/secret`, { headers: basic('alice', 'alicepw') });
    assert.equal(denied.status, 403);
    assert.equal(((await denied.json()) as { message: string }).message, 'etcdserver: permission denied');
    assert.equal((await fetch(`${api}/key?key=/app/config`, { headers: basic('alice', 'alicepw') })).status, 200);

    // An etcd token, as the JSON gateway takes it in Authorization.
    const auth = await fetch(`${member.clientUrl}/v3/auth/authenticate`, { method: 'POST', body: JSON.stringify({ name: 'alice', password: 'alicepw' }) });
    const token = ((await auth.json()) as { token: string }).token;
    assert.deepEqual(await keysOf({ authorization: token }), ['/app/config']);

    // The live trail: each viewer's stream carries only rows whose keys it may read.
    const asAlice = follow(`${api}/events`, basic('alice', 'alicepw'), stop.signal);
    const asRoot = follow(`${api}/events`, basic('root', 'rootpw'), stop.signal);
    await Promise.all([asAlice.opened, asRoot.opened]);
    ok(e, [...root, 'put', '/app/config', 'a2']);
    ok(e, [...root, 'put', '/other/secret', 'b2']);
    const deadline = Date.now() + 5_000;
    while (!(asRoot.keys.has('/app/config') && asRoot.keys.has('/other/secret')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual([...asRoot.keys].sort(), ['/app/config', '/other/secret']);
    assert.deepEqual([...asAlice.keys], ['/app/config']);
    const trail = (await (await fetch(`${api}/trail`, { headers: basic('alice', 'alicepw') })).json()) as { entries: { user: string; ops: { key: string }[] }[] };
    assert.deepEqual(trail.entries.map((r) => `${r.user} ${r.ops[0]!.key}`), ['root /app/config']);

    // A key as of a revision compaction removed, or one not reached yet: refused in etcd's words.
    const status = JSON.parse(etcdctl(e, [...root, 'endpoint', 'status', '-w', 'json']).stdout) as { Status: { header: { revision: number } } }[];
    const head = status[0]!.Status.header.revision;
    ok(e, [...root, 'compact', String(head)]);
    const compacted = await fetch(`${api}/key?key=/app/config&revision=1`, { headers: basic('alice', 'alicepw') });
    assert.equal(compacted.status, 410);
    assert.equal(((await compacted.json()) as { message: string }).message, 'etcdserver: mvcc: required revision has been compacted');
    const future = await fetch(`${api}/key?key=/app/config&revision=${head + 100}`, { headers: basic('alice', 'alicepw') });
    assert.equal(future.status, 400);
    assert.equal(((await future.json()) as { message: string }).message, 'etcdserver: mvcc: required revision is a future revision');
  } finally {
    stop.abort();
    await member.stop();
    dir.remove();
  }
});
