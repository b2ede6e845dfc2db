import { test } from 'node:test';
import assert from 'node:assert/strict';
import { celEnv, isCelError, parse, plan, type CelInput } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { kubernetesCelFunctions } from '../../schemas/cel-kubernetes.js';
import { urlCelFunctions, urlRegistry } from '../../schemas/cel-url.js';
import { costLimitExceededMessage, TrackedProgram } from '../../schemas/cel-tracked-eval.js';
import { CelRules } from '../../schemas/validate-cel.js';

const env = celEnv({ registry: urlRegistry, funcs: [...strings, ...kubernetesCelFunctions, ...urlCelFunctions] });
const self = new Map<string, CelInput>([
  ['a', 'hello'],
  ['n', 3n],
  ['l', [1n, 2n, 3n]],
  ['m', new Map([['x', 'y']])],
  ['s', ['ab', 'cd']],
  ['u', 'https://x.io:8/p?q=1'],
]);

/** A value as text, to compare what two evaluations gave. */
function show(v: unknown): string {
  if (isCelError(v)) return `error: ${v.message}`;
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') return `${x}n`;
    if (x instanceof Map) return [...x];
    if (typeof x === 'object' && x !== null && Symbol.iterator in x && !Array.isArray(x)) return [...(x as Iterable<unknown>)];
    return x;
  });
}

/** Rules with what cel-go's cost tracker charges for them on self (by its rules: 1 a variable or field read, calls by their arguments' sizes). */
const rules: Array<[string, number]> = [
  ["self.a.startsWith('h')", 3],
  ['self.l.all(x, x > 0)', 18],
  ['self.l.exists(x, x == 2)', 18],
  ['self.l.exists_one(x, x == 2)', 14],
  ['self.l.map(x, x * 2)', 45],
  ['self.l.filter(x, x > 1)', 36],
  ['self.n in [1, 2, 3]', 2],
  ['self.m.x', 3],
  ['has(self.m.z)', 2],
  ['self.zz', 2],
  ['self.l[5]', 3],
  ['self.l.all(x, x / 0 > 1)', 18],
  ['self.l.exists(x, x / 0 > 1 || true)', 12],
  ["self.a + 'x'", 3],
  ["self.s.join(',')", 3],
  ['url(self.u).getPort()', 5],
  ['url(self.u).getQuery()', 5],
  ["self.n > 2 ? 'a' : 'b'", 3],
  ["{'a': self.n}", 32],
  ['[self.n, 1]', 12],
  ['self.l.sum()', 5],
  ["self.a.matches('^h.*o$')", 4],
  ["self.a.contains('ll')", 3],
  ["self.a.find('l+')", 3],
  ['self.s.isSorted() && self.l.min() == 1', 8],
  ['oldSelf', 1],
  ['1 / 0 == 1 && false', 1],
  ["int('5') + 1", 1],
  ['self.l.all(x, self.l.all(y, x != y || x == y))', 84],
  ['self.l.map(x, x).all(y, y > 0)', 58],
  ['!(self.n > 1)', 4],
  ["self.a.split('l')", 3],
  ["self.a.lowerAscii().upperAscii()", 4],
  ["self.a.substring(1, 3)", 3],
  ["self.a.charAt(1)", 3],
  ["duration('1s') > duration('0s')", 1],
];

test('counting evaluation gives the value and error @bufbuild/cel gives, at the cost cel-go counts', () => {
  for (const [rule, cost] of rules) {
    const parsed = parse(rule);
    const plain = (plan(env, parsed) as unknown as (b: Record<string, CelInput>) => unknown)({ self });
    const counted = new TrackedProgram(env, parsed.expr).run({ self }, 1_000_000);
    assert.equal(show(counted.value), show(plain), rule);
    assert.equal(counted.cost, cost, rule);
    assert.equal(counted.cancelled, false, rule);
  }
});

test("an evaluation stops once its cost passes the limit, with cel-go's error", () => {
  const run = new TrackedProgram(env, parse('self.l.all(x, self.l.all(y, x != y || x == y))').expr).run({ self }, 50);
  assert.equal(run.cancelled, true);
  assert.ok(run.cost > 50 && run.cost < 84);
  assert.ok(isCelError(run.value) && run.value.message === costLimitExceededMessage);
});

test('a costly schema: a rule over the per-call limit stops validation; rules together over the budget of one write stop it where it runs out', () => {
  const ports = new CelRules({
    type: 'object',
    properties: { ports: { type: 'array', maxItems: 1000, items: { type: 'integer' }, 'x-kubernetes-validations': [{ rule: 'self.all(x, self.exists(y, y == x))' }, { rule: 'self.size() < 5', message: 'at most 4 ports' }] } },
  });
  assert.deepEqual(ports.validate({ ports: [1, 2, 3] }), []);
  assert.deepEqual(ports.validate({ ports: Array.from({ length: 10 }, (_, i) => i) }), [{ reason: 'FieldValueInvalid', field: 'ports', message: 'Invalid value: "array": at most 4 ports' }]);
  assert.deepEqual(ports.validate({ ports: Array.from({ length: 1000 }, (_, i) => i) }), [
    {
      reason: 'FieldValueInvalid',
      field: 'ports',
      message: `Invalid value: "array": '${costLimitExceededMessage}': no further validation rules will be run due to call cost exceeds limit for rule: self.all(x, self.exists(y, y == x))`,
    },
  ]);

  // Each evaluation costs 24,101 (a regex of 398 characters on 2,400): 120,505 an item, so the budget runs out at item 82.
  const pattern = `^${'[a-z]'.repeat(78)}[a-z]*$`;
  const lines = new CelRules({
    type: 'object',
    properties: { lines: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 2400, 'x-kubernetes-validations': [1, 2, 3, 4, 5].map((n) => ({ rule: `self.matches('${pattern}') || ${n} == 0` })) } } },
  });
  assert.deepEqual(lines.validate({ lines: ['a'.repeat(2400)] }), []);
  assert.deepEqual(lines.validate({ lines: Array.from({ length: 100 }, () => 'c'.repeat(2400)) }), [
    { reason: 'FieldValueInvalid', field: 'lines[82]', message: 'Invalid value: "string": validation failed due to running out of cost budget, no further validation rules will be run' },
  ]);
});
