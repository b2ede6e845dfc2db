// Quantities as resource.Quantity reads and writes them. The expected texts are what
// kube-apiserver 1.26 wrote back for each input (the api-diff cases
// resourcequotas-quantity-syntax and quantities-* send the same values to both servers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalQuantity, formatQuantity, parseQuantity, quantityError, quantityErrors, quantityNumber } from '../../schemas/quantity.js';

test('each input is written back as kube-apiserver writes it', () => {
  const written: Array<[string | number, string]> = [
    ['1e100', '10e99'],
    ['1000E', '1'],
    ['5E-3', '5E-3'],
    ['1e+3', '1e+3'],
    ['1E', '1E'],
    ['+', '0'],
    ['-', '0'],
    ['.', '0'],
    ['1.', '1.'],
    ['.5', '500m'],
    [' 1 ', '1'],
    ['0.0000000001', '1n'],
    ['12345678901234567890', '12345678901234567890'],
    ['1e-20', '1e-9'],
    ['1.5Gi', '1536Mi'],
    ['0.5Ki', '512'],
    ['8Ki', '8Ki'],
    ['1024', '1024'],
    ['1000', '1k'],
    [1.5, '1500m'],
    [1e21, '1e+21'],
  ];
  for (const [input, expected] of written) assert.equal(canonicalQuantity(input), expected, `${JSON.stringify(input)}`);
});

test("a core/v1 ResourceList's values are rounded up to milli units, keeping a text that needs no rounding", () => {
  assert.equal(canonicalQuantity('0.0000000001', true), '1m');
  assert.equal(canonicalQuantity('1e-20', true), '1e-3');
  assert.equal(canonicalQuantity('0.0001', true), '1m');
  assert.equal(canonicalQuantity('2.0001m', true), '3m');
  assert.equal(canonicalQuantity('5E-3', true), '5E-3');
  assert.equal(canonicalQuantity('-0.5m', true), '-1m');
});

test("what Go's parser refuses, with its three errors", () => {
  for (const bad of ['', 'lots', '1Gx', '1.5.5', 'true']) assert.equal(quantityError(bad), quantityErrors.format, bad);
  for (const bad of ['1e', '1ki', '1EE', '1+5', '1e99999999999999999999']) assert.equal(quantityError(bad), quantityErrors.suffix, bad);
  assert.equal(quantityError('.e-20'), quantityErrors.numeric);
  for (const good of ['0', '1', '-1.5Gi', '100n', '1e-3', '2E']) assert.equal(quantityError(good), undefined, good);
});

test('huge and tiny exponents are written without building their digits', () => {
  assert.equal(canonicalQuantity('1e999999999'), '1e999999999');
  assert.equal(canonicalQuantity('1e-999999999'), '1e-9');
  assert.equal(quantityNumber('1e999999999'), Infinity);
});

test('a canonical text reads back as the same value and is its own canonical text', () => {
  const suffix = fc.constantFrom('', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'e3', 'e-6', 'E2');
  const input = fc.tuple(fc.boolean(), fc.stringMatching(/^\d{0,12}$/), fc.option(fc.stringMatching(/^\d{0,10}$/), { nil: undefined }), suffix)
    .map(([neg, whole, fraction, s]) => `${neg ? '-' : ''}${whole}${fraction === undefined ? '' : `.${fraction}`}${s}`);
  fc.assert(
    fc.property(input, (text) => {
      const q = parseQuantity(text);
      if (q === undefined) return;
      const canonical = formatQuantity(q);
      const again = parseQuantity(canonical);
      assert.ok(again !== undefined, `${text} -> ${canonical} parses`);
      assert.equal(formatQuantity(again), canonical, `${text} -> ${canonical}`);
      const low = Math.min(q.exponent, again.exponent);
      const scaled = (m: bigint, e: number): bigint => m * 10n ** BigInt(e - low);
      assert.equal(scaled(again.mantissa, again.exponent), scaled(q.mantissa, q.exponent), `${text} -> ${canonical} keeps its value`);
    }),
    { numRuns: 2000, seed: 7 },
  );
});
