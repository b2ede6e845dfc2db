import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goJsonSyntaxError } from '../../schemas/go-json-syntax.js';

/** Go's encoding/json words for the first syntax error in a text (undefined: valid). */
const cases: Array<[string, string | undefined]> = [
  ['{}', undefined],
  ['[]', undefined],
  ['[[],{},[{"a":[1,-2.5e3,true,false,null,"x"]}]]', undefined],
  [' {"a" : { "b" : [ ] } } ', undefined],
  ['', 'unexpected end of JSON input'],
  ['{', 'unexpected end of JSON input'],
  ['{"a":1', 'unexpected end of JSON input'],
  ['{"a" 1}', "invalid character '1' after object key"],
  ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
  ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
  ['[1,]', "invalid character ']' looking for beginning of value"],
  ['[1 2]', "invalid character '2' after array element"],
  ['[1}', "invalid character '}' after array element"],
  ['{"a":1]', "invalid character ']' after object key:value pair"],
  ['trux', "invalid character 'x' in literal true (expecting 'e')"],
  ['1 2', "invalid character '2' after top-level value"],
  ['-x', "invalid character 'x' in numeric literal"],
  ['"a\\q"', "invalid character 'q' in string escape code"],
  ['['.repeat(10_000) + ']'.repeat(10_000), undefined],
  ['['.repeat(10_001) + ']'.repeat(10_001), "invalid character '[' exceeded max depth"],
  ['{"a":'.repeat(10_000) + '{}' + '}'.repeat(10_000), "invalid character '{' exceeded max depth"],
  // Far deeper than any call stack: the scanner must not recurse.
  ['['.repeat(200_000), "invalid character '[' exceeded max depth"],
  ['['.repeat(9_999) + '1,' + ']'.repeat(9_999), "invalid character ']' looking for beginning of value"],
];

test("JSON syntax errors are worded as Go's decoder words them, at any depth", () => {
  for (const [text, want] of cases) assert.equal(goJsonSyntaxError(text), want, text.length > 40 ? `${text.slice(0, 40)}... (${text.length} chars)` : text);
});
