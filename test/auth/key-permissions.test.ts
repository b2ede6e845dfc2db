import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyPermission, PermissionType } from '../../storage/auth/auth-info.js';
import { isPermitted, mergePermissions } from '../../storage/auth/key-permissions.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const perm = (permType: PermissionType, key: string, rangeEnd = ''): KeyPermission => ({ permType, key: b(key), rangeEnd: b(rangeEnd) });

// Granted: /foo/ prefix read-write, the key /bar read-only, [/w, /x) write-only,
// everything from /zz on read-only, and two adjacent ranges [/m, /n) + [/n, /o) read.
const granted = mergePermissions([
  perm('READWRITE', '/foo/', '/foo0'),
  perm('READ', '/bar'),
  perm('WRITE', '/w', '/x'),
  perm('READ', '/zz', '\0'),
  perm('READ', '/m', '/n'),
  perm('READ', '/n', '/o'),
]);

const cases: Array<[access: 'read' | 'write', key: string, rangeEnd: string | undefined, want: boolean]> = [
  ['read', '/foo/x', undefined, true],
  ['write', '/foo/x', undefined, true],
  ['read', '/foo/', '/foo0', true], // the whole prefix
  ['read', '/foo/', '\0', false], // from /foo/ on: more than granted
  ['read', '/fo', '/foo0', false], // starts before the prefix
  ['read', '/bar', undefined, true],
  ['write', '/bar', undefined, false],
  ['read', '/bar', '/bas', false], // a range, not just the key
  ['read', '/bar\0', undefined, false], // the next key
  ['write', '/w', undefined, true],
  ['write', '/wzzz', undefined, true],
  ['write', '/x', undefined, false], // the end is exclusive
  ['write', '/w', '/x', true],
  ['read', '/w', undefined, false],
  ['read', '/zz', undefined, true],
  ['read', '/zzz', undefined, true], // a from-key grant covers what comes after
  ['read', '/zz', '\0', true], // and a from-key request
  ['read', '/z', '\0', false],
  ['read', '/m', '/o', true], // covered by two adjacent grants
  ['read', '/ma', '/nz', true],
  ['read', '/m', '/o\0', false],
  ['read', '', '\0', false], // every key
  ['write', '/m', undefined, false],
];

test('key permissions: a request is allowed only when the granted ranges cover all of it', () => {
  for (const [access, key, rangeEnd, want] of cases) {
    assert.equal(isPermitted(granted, access, b(key), rangeEnd === undefined ? undefined : b(rangeEnd)), want, `${access} [${JSON.stringify(key)}, ${JSON.stringify(rangeEnd)})`);
  }
});

test('key permissions: nothing granted allows nothing; a from-"" grant allows everything', () => {
  const none = mergePermissions([]);
  assert.equal(isPermitted(none, 'read', b('/a'), undefined), false);
  const all = mergePermissions([perm('READWRITE', '', '\0')]);
  assert.equal(isPermitted(all, 'write', b('/any'), undefined), true);
  assert.equal(isPermitted(all, 'read', b(''), b('\0')), true);
});
