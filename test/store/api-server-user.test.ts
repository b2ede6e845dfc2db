import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddedStoreClient } from '../../storage/client/embedded-client.js';
import type { StoreWatchNotice } from '../../storage/client/store-client.js';
import { isStorageError } from '../../storage/errors.js';
import { API_SERVER_USER, apiServerCaller, setUpApiServerAuth } from '../../storage/server/api-server-user.js';
import { buildMemberConfig, resolveFlags } from '../../storage/server/member-flags.js';
import { runMember } from '../../storage/embed/run-member.js';
import { tempDir } from '../helpers/processes.js';

const open = (dir: string) => {
  const { values, explicit } = resolveFlags({ 'data-dir': dir }, {});
  return buildMemberConfig(values, explicit);
};

/**
 * The store embedded in the API server runs etcd auth: the API server is the user
 * kite-apiserver, whose role reads and writes /registry/ and nothing else, and the
 * setup happens once, before any client is served, and survives a restart.
 */
test('the API server is an etcd user of its embedded store, limited to /registry/', { timeout: 30_000 }, async () => {
  const dir = tempDir('api-server-user');
  let passwordsAsked = 0;
  const password = () => {
    passwordsAsked++;
    return 'root-secret';
  };
  try {
    let setups: boolean[] = [];
    let member = await runMember(open(dir.path), { serveClients: false, beforeServing: async (s) => void setups.push((await setUpApiServerAuth(s, password)).created) });
    assert.deepEqual(setups, [true]);
    assert.equal(member.store.auth.store.isEnabled, true, 'auth is on');
    assert.deepEqual(member.store.auth.store.user(API_SERVER_USER)?.roles, [API_SERVER_USER]);
    assert.deepEqual(member.store.auth.store.user('root')?.roles, ['root']);
    assert.equal(passwordsAsked, 1);
    assert.ok(await member.store.auth.checkPassword('root', 'root-secret'), "root's password is the one given");

    const client = new EmbeddedStoreClient(member.store, member.watchable, { caller: () => apiServerCaller(member.store) });
    assert.equal((await client.optimisticPut('/registry/configmaps/default/a', Buffer.from('{}'), 0)).succeeded, true);
    assert.equal((await client.list('/registry/')).objects.length, 1);
    await assert.rejects(client.optimisticPut('/elsewhere', Buffer.from('x'), 0), (e: unknown) => isStorageError(e, 'PermissionDenied'));
    await assert.rejects(client.get('/elsewhere'), (e: unknown) => isStorageError(e, 'PermissionDenied'));
    const notices: StoreWatchNotice[] = [];
    client.watch('/elsewhere/', 0, (n) => notices.push(n));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      notices.map((n) => (n.kind === 'closed' ? n.code : n.kind)),
      ['PermissionDenied'],
      'a watch outside /registry/ ends at once',
    );
    await client.close();
    await member.stop();

    // A restart finds the user and changes nothing; the data is there.
    setups = [];
    member = await runMember(open(dir.path), { serveClients: false, beforeServing: async (s) => void setups.push((await setUpApiServerAuth(s, password)).created) });
    assert.deepEqual(setups, [false]);
    assert.equal(passwordsAsked, 1, 'no new root password');
    const again = new EmbeddedStoreClient(member.store, member.watchable, { caller: () => apiServerCaller(member.store) });
    assert.ok((await again.get('/registry/configmaps/default/a')).object !== undefined);
    await again.close();
    await member.stop();
  } finally {
    dir.remove();
  }
});
