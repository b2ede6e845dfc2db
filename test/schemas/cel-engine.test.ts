import { test } from 'node:test';
import assert from 'node:assert/strict';
import { celEngine, hasCelRules, loadCelEngine } from '../../schemas/cel-engine.js';

test('hasCelRules finds x-kubernetes-validations at any depth, under properties, items and arrays', () => {
  assert.equal(hasCelRules({ type: 'object', properties: { a: { type: 'string' } } }), false);
  assert.equal(hasCelRules({ versions: [{ schema: { openAPIV3Schema: { type: 'object' } } }] }), false);
  assert.equal(hasCelRules({ 'x-kubernetes-validations': [] }), true);
  assert.equal(hasCelRules({ properties: { spec: { items: { 'x-kubernetes-validations': [{ rule: 'self > 0' }] } } } }), true);
  assert.equal(hasCelRules({ versions: [{ schema: {} }, { schema: { openAPIV3Schema: { properties: { a: { 'x-kubernetes-validations': [{ rule: 'true' }] } } } } }] }), true);
  assert.equal(hasCelRules('x-kubernetes-validations'), false);
});

test('the CEL engine is not loaded until asked for, and is usable once loaded', async () => {
  assert.throws(() => celEngine(), /before loadCelEngine/);
  const engine = await loadCelEngine();
  assert.equal(celEngine(), engine);
  assert.equal(engine.celCompileError('self.a == 1'), undefined);
  assert.match(engine.celCompileError('self.a >') ?? '', /expecting/);
});
