import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv, parseTokenFile, TokenFileError } from '../../api/authentication/token-file.js';

/** kube-apiserver's --token-auth-file format, read as Go's encoding/csv reads it. */

test('CSV records as Go reads them: quotes, doubled quotes, CRLF, blank lines, quoted commas and newlines', () => {
  const table: Array<[string, string[][]]> = [
    ['a,b,c', [['a', 'b', 'c']]],
    ['a,b,c\n', [['a', 'b', 'c']]],
    ['a,b,c\r\nd,e,f\r\n', [['a', 'b', 'c'], ['d', 'e', 'f']]],
    ['\n\na,b,c\n\n', [['a', 'b', 'c']]],
    ['t,u,1,"g1,g2"', [['t', 'u', '1', 'g1,g2']]],
    ['t,u,1,"say ""hi"""', [['t', 'u', '1', 'say "hi"']]],
    ['t,"",1', [['t', '', '1']]],
    ['t,u,1,"line\nbreak"\nx,y,z', [['t', 'u', '1', 'line\nbreak'], ['x', 'y', 'z']]],
    [' t , u ,1', [[' t ', ' u ', '1']]],
    ['a,,c', [['a', '', 'c']]],
  ];
  for (const [text, want] of table) assert.deepEqual(parseCsv(text), want, JSON.stringify(text));
});

test('CSV errors: a bare quote in an unquoted field, an unterminated quoted field', () => {
  for (const text of ['t,u"x,1', 't,u,1,"open', 't,"u"x,1']) assert.throws(() => parseCsv(text), TokenFileError, JSON.stringify(text));
});

test('token file records: groups split on commas, empty tokens skipped, later duplicates win, too few columns refused', () => {
  const users = parseTokenFile(['tok1,alice,1001,"dev,ops"', 'tok2,bob,1002', ',nobody,9', 'tok1,alice2,1003,admins'].join('\n'), 'tokens.csv');
  assert.deepEqual([...users.keys()], ['tok1', 'tok2']);
  assert.deepEqual(users.get('tok1'), { name: 'alice2', uid: '1003', groups: ['admins'], extra: {} });
  assert.deepEqual(users.get('tok2'), { name: 'bob', uid: '1002', groups: [], extra: {} });
  assert.throws(
    () => parseTokenFile('tok,alice\n', '/etc/kite/tokens.csv'),
    (e: unknown) => e instanceof TokenFileError && e.message === "token file '/etc/kite/tokens.csv' must have at least 3 columns (token, user name, user uid), found 2",
  );
});
