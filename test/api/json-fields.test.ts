import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duplicateFields, firstKeyOffsets } from '../../api/json-fields.js';

test('keys given twice are named by path, in body order, as Go names them', () => {
  const cases: Array<[string, string[]]> = [
    ['{"a":1,"b":2}', []],
    ['{"kind":"A","kind":"B"}', ['kind']],
    ['{"metadata":{"name":"x","name":"y"}}', ['metadata.name']],
    ['{"metadata":{"labels":{"a":"1","a":"2"}},"data":{"x":"1","x":"2"}}', ['metadata.labels.a', 'data.x']],
    ['{"spec":{"containers":[{"name":"a","image":"x","image":"y"}],"containers":[]}}', ['spec.containers[0].image', 'spec.containers']],
    ['{"l":[{"a":1},{"a":1,"a":2}],"m":[[{"b":1,"b":2}]]}', ['l[1].a', 'm[0][0].b']],
    // Keys inside string values, escaped quotes and escaped key names.
    ['{"a":"\\"a\\":1","a\\u0062":1,"ab":2, "s" : "{\\"x\\":1,\\"x\\":2}"}', ['ab']],
    ['{"a":{},"b":{"a":1},"c":[],"a":[1]}', ['a']],
    [' { "a" : 1 ,\n "a" : 2 } ', ['a']],
  ];
  for (const [text, want] of cases) assert.deepEqual(duplicateFields(text).map((d) => d.path), want, text);
  const text = '{"x":{"b":1},"bogus":2,"x":{}}';
  assert.deepEqual(duplicateFields(text), [{ path: 'x', offset: text.lastIndexOf('"x"') }]);
  assert.deepEqual([...firstKeyOffsets(text, new Set(['bogus', 'x.b', 'nope']))], [
    ['x.b', text.indexOf('"b"')],
    ['bogus', text.indexOf('"bogus"')],
  ]);
});

test('the walk survives any depth', () => {
  const deep = `${'{"a":'.repeat(20_000)}{"k":1,"k":2}${'}'.repeat(20_000)}`;
  const found = duplicateFields(deep);
  assert.equal(found.length, 1);
  assert.equal(found[0]!.path, `${'a.'.repeat(20_000)}k`);
});
