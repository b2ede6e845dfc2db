import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '@bufbuild/cel';
import { declTypeOf } from '../../schemas/cel-decl-type.js';
import { estimateCost } from '../../schemas/cel-cost-estimate.js';
import { costExceedsMessage, goFixed } from '../../schemas/cel-cost-model.js';
import { validateStructural } from '../../registry/customresourcedefinition/structural.js';
import { loadCelEngine } from '../../schemas/cel-engine.js';
import type { JsonObject } from '../../schemas/json.js';

const ints: JsonObject = { type: 'array', items: { type: 'integer' } };
const strs: JsonObject = { type: 'array', items: { type: 'string' } };
const strs10: JsonObject = { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 20 } };
const str: JsonObject = { type: 'string' };
const str100: JsonObject = { type: 'string', maxLength: 100 };
const map: JsonObject = { type: 'object', additionalProperties: { type: 'string' } };
const obj: JsonObject = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer' }, c: { type: 'array', items: { type: 'integer' } } } };
const intOrString: JsonObject = { 'x-kubernetes-int-or-string': true };

/**
 * Worst-case costs of one evaluation of a rule on a schema node. Each figure
 * was checked against kube-apiserver 1.26: put on the items of a list with
 * maxItems k, a rule costs k times as much, and its refusal prints that to
 * seven digits ("exceeds budget by factor of 1.195385x").
 */
const cases: Array<[JsonObject, string, number]> = [
  [ints, 'self.all(x, x > 0)', 7864317],
  [ints, 'self.exists(x, x == 1)', 7864317],
  [ints, 'self.exists_one(x, x == 1)', 4718592],
  [ints, 'self.map(x, x * 2).size() > 0', 22020096],
  [ints, 'self.filter(x, x > 1).size() > 0', 23592959],
  [ints, 'self.isSorted()', 1572864],
  [ints, 'self.sum() > 0', 1572865],
  [ints, '1 in self', 1572864],
  [ints, 'self.size() < 10', 3],
  [ints, 'self == [1]', 12],
  [ints, 'self + [1] == self', 157300],
  [ints, 'self.all(x, self.exists(y, y == x))', 14843395964931],
  [str, "self.startsWith('a')", 2],
  [str, "self.contains('abc')", 314574],
  [str, "self.matches('^a+$')", 314574],
  [str, "self.find('[0-9]+') != ''", 629147],
  [str, "self.findAll('x').size() > 0", 314576],
  [str, "self.lowerAscii() == 'a'", 314575],
  [str, "self.split(',').size() > 0", 629149],
  [str, "self.replace('a','b') == ''", 629147],
  [str, "self.indexOf('a') > 0", 314575],
  [str, "self + 'x' == 'y'", 314575],
  [str, 'isURL(self)', 2],
  [str, "url(self).getScheme() == 'https'", 314576],
  [str100, "self.contains('abc')", 41],
  [str100, "self.matches('^a+$') && self.endsWith('z')", 44],
  [str100, "url(self).getHost() == 'x' && url(self).getQuery().size() == 0", 87],
  [strs, "self.all(s, s.startsWith('a'))", 5242877],
  [strs, "'a' in self", 1048576],
  [strs, 'self.isSorted()', 329854432051],
  [strs10, 'self.all(s, self.exists(t, t == s))', 1452],
  [strs10, "self.join('-').size() < 30", 84],
  [map, 'self.all(k, k.size() < 5)', 2359292],
  [map, "'a' in self", 2],
  [obj, 'self.a == string(self.b)', 314578],
  [obj, 'has(self.a) || self.b > 0', 3],
  [obj, 'self.c.all(x, x > 0)', 7864318],
  [intOrString, "type(self) == string ? self.matches('^[0-9]+%$') : self > 0", 1258296],
  [ints, 'self == oldSelf', 157289],
];

test("a rule's estimated cost is cel-go's, with kube-apiserver's sizes from the schema", () => {
  for (const [schema, rule, want] of cases) assert.equal(estimateCost(parse(rule).expr, declTypeOf(schema, false)!).max, want, rule);
});

test('cost factors print as Go prints them: six decimals under 1.5, one up to 100, then "more than 100x"', () => {
  const factor = (cost: number): string => costExceedsMessage('c', cost, 10_000_000).replace(/^c exceeds budget by factor of (.+?) \(try.*$/, '$1');
  assert.equal(factor(11_953_850), '1.195385x');
  assert.equal(factor(24_000_000), '2.4x');
  assert.equal(factor(1_000_000_001), 'more than 100x');
  // An exact tie rounds to the even digit, as Go's %.1f does.
  assert.equal(goFixed(2.25, 1), '2.2');
  assert.equal(goFixed(2.75, 1), '2.8');
});

const withRules = (props: Record<string, JsonObject>): JsonObject => ({ type: 'object', properties: { spec: { type: 'object', properties: props } } });

test('a CRD schema is refused for a rule over the per-rule limit and for a total over the schema limit, at the rules and the schema', async () => {
  // The CRD registry loads the engine before it validates a CRD with rules; so does this test.
  await loadCelEngine();
  const path = 'spec.validation.openAPIV3Schema';
  const perRule = validateStructural(withRules({ tags: { ...strs, 'x-kubernetes-validations': [{ rule: "self.exists(s, s.contains('b'))" }] } }), path);
  assert.deepEqual(
    perRule.map((c) => [c.field, c.message.replace(/ \(try.*$/, '')]),
    [
      [`${path}.properties[spec].properties[tags].x-kubernetes-validations[0].rule`, 'Forbidden: estimated rule cost exceeds budget by factor of more than 100x'],
      [`${path}.properties[spec].properties[tags].x-kubernetes-validations[0].rule`, 'Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema'],
      [path, 'Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of more than 100x'],
    ],
  );
  // Eleven rules under the per-rule limit, 5 units per item of lists of different lengths: together over 100,000,000.
  const props: Record<string, JsonObject> = {};
  for (let i = 0; i < 11; i++) props[`l${i}`] = { type: 'array', maxItems: 1_900_000 - i * 1000, items: { type: 'integer' }, 'x-kubernetes-validations': [{ rule: 'self.all(x, x > 0)' }] };
  const total = validateStructural(withRules(props), path);
  assert.deepEqual(
    total.map((c) => [c.field, c.message.replace(/ \(try.*$/, '')]),
    [
      ...[0, 1, 2, 3].map((i) => [`${path}.properties[spec].properties[l${i}].x-kubernetes-validations[0].rule`, 'Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema']),
      [path, 'Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of 1.042250x'],
    ],
  );
  assert.deepEqual(validateStructural(withRules({ tags: { ...strs10, 'x-kubernetes-validations': [{ rule: "self.exists(s, s.contains('b'))" }] } }), path), []);
});
