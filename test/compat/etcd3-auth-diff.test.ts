import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { onEtcdAndKite, type StoreProcess } from '../helpers/processes.js';

/**
 * The `etcd3` npm client's auth features on a real etcd 3.4 and on kite store: roles and
 * their permissions, users and their roles, password authentication, a client limited to
 * what its user was granted, a watch denied outside its range, and turning auth off. The
 * transcripts (results and error messages) must be equal.
 */
type Json = unknown;

function describe(err: unknown): string {
  return err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err);
}

async function attempt(f: () => Promise<unknown>): Promise<Json> {
  try {
    const v = await f();
    return { ok: Buffer.isBuffer(v) ? v.toString() : v === undefined ? null : v };
  } catch (err) {
    return { error: describe(err) };
  }
}

/** A watch on key as client: what the server answers first (an event, or the error that ended it). */
function watchOutcome(client: Etcd3, key: string, trigger: () => Promise<unknown>): Promise<Json> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('no answer in 5 s'), 5000);
    client
      .watch()
      .key(key)
      .create()
      .then(
        (w) => {
          w.on('put', (kv) => {
            clearTimeout(timer);
            resolve({ put: kv.value.toString() });
            void w.cancel();
          });
          w.on('error', (err) => {
            clearTimeout(timer);
            resolve({ error: describe(err) });
          });
          void trigger();
        },
        (err: unknown) => {
          clearTimeout(timer);
          resolve({ error: describe(err) });
        },
      );
  });
}

async function scenario(member: StoreProcess): Promise<Json[]> {
  const log: Json[] = [];
  const note = async (name: string, f: () => Promise<unknown>): Promise<void> => {
    if (process.env.KITE_DEBUG) process.stderr.write(`step ${name}\n`);
    log.push({ name, r: await attempt(f) });
  };
  const admin = new Etcd3({ hosts: member.clientUrl });
  let rootClient: Etcd3 | undefined;
  let alice: Etcd3 | undefined;
  let stranger: Etcd3 | undefined;
  try {
    await admin.put('/app/config').value('v1');
    await admin.put('/secret').value('s');
    // Roles and their permissions.
    const reader = admin.role('app-reader');
    await note('role create', () => reader.create().then(() => 'created'));
    await note('role create again', () => reader.create().then(() => 'created'));
    await note('grant prefix read', () => reader.grant({ permission: 'Read', range: admin.range({ prefix: '/app/' }) }).then(() => 'granted'));
    await note('grant key readwrite', () => reader.grant({ permission: 'Readwrite', key: '/app/status' }).then(() => 'granted'));
    await note('permissions', () => reader.permissions());
    await note('roles', async () => (await admin.getRoles()).map((r) => r.name));
    // Users and their roles.
    await note('root user', () => admin.user('root').create('rootpw').then(() => 'created'));
    await note('root role', () => admin.role('root').create().then(() => 'created'));
    await note('root gets root', () => admin.user('root').addRole('root').then(() => 'granted'));
    await note('user create', () => admin.user('alice').create('alicepw').then(() => 'created'));
    await note('user create again', () => admin.user('alice').create('alicepw').then(() => 'created'));
    await note('user add role', () => admin.user('alice').addRole('app-reader').then(() => 'granted'));
    await note('user roles', async () => (await admin.user('alice').roles()).map((r) => r.name));
    await note('users', async () => (await admin.getUsers()).map((u) => u.name));
    await note('temp user', () => admin.user('temp').create('x').then(() => 'created'));
    await note('temp remove role', () => admin.user('temp').removeRole('app-reader'));
    await note('temp delete', () => admin.user('temp').delete().then(() => 'deleted'));
    // Auth on.
    await note('auth enable', () => admin.auth.authEnable({}).then(() => 'enabled'));
    await note('anonymous get', () => admin.get('/app/config').string());
    rootClient = new Etcd3({ hosts: member.clientUrl, auth: { username: 'root', password: 'rootpw' } });
    alice = new Etcd3({ hosts: member.clientUrl, auth: { username: 'alice', password: 'alicepw' } });
    stranger = new Etcd3({ hosts: member.clientUrl, auth: { username: 'alice', password: 'wrong' } });
    await note('root get', () => rootClient!.get('/secret').string());
    await note('alice get in range', () => alice!.get('/app/config').string());
    await note('alice prefix', () => alice!.getAll().prefix('/app/').strings());
    await note('alice put granted key', () => alice!.put('/app/status').value('up').then(() => 'put'));
    await note('alice put read-only key', () => alice!.put('/app/config').value('v2').then(() => 'put'));
    await note('alice get outside', () => alice!.get('/secret').string());
    await note('alice delete outside', () => alice!.delete().key('/secret').then(() => 'deleted'));
    await note('alice list users', async () => (await alice!.getUsers()).map((u) => u.name));
    await note('wrong password', () => stranger!.get('/app/config').string());
    log.push({ name: 'watch in range', r: await watchOutcome(alice, '/app/config', () => rootClient!.put('/app/config').value('v3').exec()) });
    log.push({ name: 'watch outside range', r: await watchOutcome(alice, '/secret', () => rootClient!.put('/secret').value('s2').exec()) });
    // Revoking a permission takes effect at once.
    await note('revoke prefix', () => rootClient!.role('app-reader').revoke({ permission: 'Read', range: rootClient!.range({ prefix: '/app/' }) }).then(() => 'revoked'));
    await note('alice get after revoke', () => alice!.get('/app/config').string());
    await note('alice password change', () => rootClient!.user('alice').setPassword('newpw').then(() => 'changed'));
    await note('auth disable', () => rootClient!.auth.authDisable({}).then(() => 'disabled'));
    await note('anonymous get after disable', () => admin.get('/secret').string());
    await note('role delete', () => admin.role('app-reader').delete().then(() => 'deleted'));
    await note('user delete', () => admin.user('alice').delete().then(() => 'deleted'));
    return log;
  } finally {
    admin.close();
    rootClient?.close();
    alice?.close();
    stranger?.close();
  }
}

test('etcd3 npm client: roles, users, password auth and a denied watch behave the same on kite store and etcd', { timeout: 180_000 }, async (t) => {
  const both = await onEtcdAndKite(t, 'etcd3auth', scenario);
  if (both === undefined) return;
  const { etcd, kite } = both;
  const text = JSON.stringify(etcd);
  assert.match(text, /permission denied/, 'the scenario was denied something (sanity)');
  assert.match(text, /"put":"v3"/, 'the permitted watch saw its event (sanity)');
  assert.equal(kite.length, etcd.length);
  for (let i = 0; i < etcd.length; i++) assert.deepEqual(kite[i], etcd[i]);
});
