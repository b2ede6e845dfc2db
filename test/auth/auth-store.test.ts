import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANONYMOUS, INTERNAL, asUser } from '../../storage/auth/auth-info.js';
import { AuthStore, type AuthCommand } from '../../storage/auth/auth-store.js';
import { isStorageError, type StorageErrorCode } from '../../storage/errors.js';

const root = INTERNAL;
const code = (f: () => unknown): StorageErrorCode | 'ok' => {
  try {
    f();
    return 'ok';
  } catch (err) {
    if (isStorageError(err)) return err.code;
    throw err;
  }
};

function setUp(): AuthStore {
  const s = new AuthStore(undefined);
  const run = (cmd: AuthCommand) => s.apply(root, cmd);
  run({ kind: 'userAdd', name: 'root', passwordHash: 'x', noPassword: false });
  run({ kind: 'roleAdd', name: 'root' });
  run({ kind: 'userGrantRole', user: 'root', role: 'root' });
  run({ kind: 'roleAdd', name: 'r1' });
  run({ kind: 'roleGrantPermission', name: 'r1', perm: { permType: 'READWRITE', key: Buffer.from('/foo/'), rangeEnd: Buffer.from('/foo0') } });
  run({ kind: 'userAdd', name: 'alice', passwordHash: 'y', noPassword: false });
  run({ kind: 'userGrantRole', user: 'alice', role: 'r1' });
  return s;
}

test('auth store: enabling needs a root user with the root role; the revision moves on with each change', () => {
  const s = new AuthStore(undefined);
  assert.equal(s.revision, 1);
  assert.equal(code(() => s.apply(root, { kind: 'authEnable' })), 'RootUserNotExist');
  s.apply(root, { kind: 'userAdd', name: 'root', noPassword: true });
  assert.equal(code(() => s.apply(root, { kind: 'authEnable' })), 'RootRoleNotExist');
  s.apply(root, { kind: 'userGrantRole', user: 'root', role: 'root' }); // the root role needs no role add
  assert.equal(s.revision, 3);
  assert.equal(s.apply(root, { kind: 'authEnable' }).changed, true);
  assert.equal(s.revision, 3, 'enabling does not move the revision (as etcd)');
  assert.equal(s.apply(root, { kind: 'authEnable' }).changed, false, 'enabling twice is fine');
  s.apply(root, { kind: 'authDisable' });
  assert.equal(s.revision, 4, 'disabling does');
});

test('auth store: checks once enabled, by user, revision and role', () => {
  const s = setUp();
  const alice = () => asUser('alice', s.revision);
  assert.equal(code(() => s.checkKeys(ANONYMOUS, 'read', Buffer.from('/a'))), 'ok', 'auth off: anything goes');
  s.apply(root, { kind: 'authEnable' });
  assert.equal(code(() => s.checkKeys(ANONYMOUS, 'read', Buffer.from('/a'))), 'UserEmpty');
  assert.equal(code(() => s.checkKeys(alice(), 'write', Buffer.from('/foo/x'))), 'ok');
  assert.equal(code(() => s.checkKeys(alice(), 'read', Buffer.from('/a'))), 'PermissionDenied');
  assert.equal(code(() => s.checkKeys(asUser('root', s.revision), 'write', Buffer.from('/a'))), 'ok', 'root may do anything');
  assert.equal(code(() => s.checkKeys(asUser('ghost', s.revision), 'read', Buffer.from('/a'))), 'PermissionDenied');
  const stale = alice();
  s.apply(asUser('root', s.revision), { kind: 'roleAdd', name: 'r2' });
  assert.equal(code(() => s.checkKeys(stale, 'read', Buffer.from('/foo/x'))), 'AuthOldRevision');
  assert.equal(code(() => s.checkKeys(INTERNAL, 'write', Buffer.from('/a'))), 'ok', 'the member itself is never checked');
});

test('auth store: administration needs the root role; users see themselves and their roles', () => {
  const s = setUp();
  s.apply(root, { kind: 'authEnable' });
  const alice = asUser('alice', s.revision);
  assert.equal(code(() => s.apply(ANONYMOUS, { kind: 'userList' })), 'UserEmpty');
  assert.equal(code(() => s.apply(alice, { kind: 'userList' })), 'PermissionDenied');
  assert.equal(code(() => s.apply(asUser('ghost', 1), { kind: 'roleAdd', name: 'x' })), 'UserNotFound');
  assert.deepEqual(s.apply(alice, { kind: 'userGet', name: 'alice' }).result.roles, ['r1']);
  assert.equal(code(() => s.apply(alice, { kind: 'userGet', name: 'root' })), 'PermissionDenied');
  assert.equal(s.apply(alice, { kind: 'roleGet', role: 'r1' }).result.perm?.length, 1);
  assert.equal(code(() => s.apply(alice, { kind: 'roleGet', role: 'root' })), 'PermissionDenied');
  const admin = asUser('root', s.revision);
  assert.deepEqual(s.apply(admin, { kind: 'userList' }).result.users, ['alice', 'root']);
  assert.equal(code(() => s.apply(admin, { kind: 'userDelete', name: 'root' })), 'InvalidAuthMgmt');
  assert.equal(code(() => s.apply(admin, { kind: 'roleDelete', role: 'root' })), 'InvalidAuthMgmt');
  assert.equal(code(() => s.apply(admin, { kind: 'userRevokeRole', name: 'root', role: 'root' })), 'InvalidAuthMgmt');
});

test('auth store: user and role management errors, as etcd words them', () => {
  const s = setUp();
  const run = (cmd: AuthCommand) => code(() => s.apply(root, cmd));
  assert.equal(run({ kind: 'userAdd', name: '', noPassword: true }), 'UserEmpty');
  assert.equal(run({ kind: 'userAdd', name: 'alice', noPassword: true }), 'UserExists');
  assert.equal(run({ kind: 'roleAdd', name: '' }), 'RoleEmpty');
  assert.equal(run({ kind: 'roleAdd', name: 'r1' }), 'RoleExists');
  assert.equal(run({ kind: 'userGrantRole', user: 'alice', role: 'nope' }), 'RoleNotFound');
  assert.equal(run({ kind: 'userGrantRole', user: 'nope', role: 'r1' }), 'UserNotFound');
  assert.equal(run({ kind: 'userRevokeRole', name: 'alice', role: 'nope' }), 'RoleNotGranted');
  assert.equal(run({ kind: 'roleRevokePermission', role: 'r1', key: Buffer.from('/x'), rangeEnd: Buffer.alloc(0) }), 'PermissionNotGranted');
  assert.equal(run({ kind: 'roleGet', role: 'nope' }), 'RoleNotFound');
  const before = s.revision;
  assert.equal(run({ kind: 'userGrantRole', user: 'alice', role: 'r1' }), 'ok');
  assert.equal(s.revision, before, 'granting a role twice changes nothing');
  // Deleting a role takes it from its users.
  assert.equal(run({ kind: 'roleDelete', role: 'r1' }), 'ok');
  assert.deepEqual(s.apply(root, { kind: 'userGet', name: 'alice' }).result.roles, []);
});

test('auth store: its stored form gives back the same store', () => {
  const s = setUp();
  s.apply(root, { kind: 'authEnable' });
  const copy = new AuthStore(JSON.parse(JSON.stringify(s.toStored())));
  assert.deepEqual(copy.toStored(), s.toStored());
  assert.equal(copy.isEnabled, true);
  assert.equal(code(() => copy.checkKeys(asUser('alice', copy.revision), 'read', Buffer.from('/foo/y'))), 'ok');
  assert.equal(code(() => copy.checkKeys(asUser('alice', copy.revision), 'read', Buffer.from('/bar'))), 'PermissionDenied');
});
