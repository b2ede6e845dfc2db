/**
 * Kubernetes resource quantities ("500m", "1Gi", "1e3"): parsing and the
 * canonical form the API server writes back (resource.Quantity's rules:
 * values rounded up to nano units; decimal forms with an exponent that is a
 * multiple of three and no spare zeros; binary forms in the largest power of
 * 1024 that divides the value, or decimal when that would lose precision or
 * the value is under 1024).
 */

/** How a quantity is written: by its suffix. */
type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** A parsed quantity: mantissa × 10^exponent, and the format its suffix chose. */
export interface Quantity {
  readonly mantissa: bigint;
  readonly exponent: number;
  readonly format: QuantityFormat;
}

const decimalSuffixes: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Readonly<Record<string, number>> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const decimalSuffixByExponent = new Map(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]));
const binarySuffixByPower = new Map(Object.entries(binarySuffixes).map(([s, p]) => [p, s]));

const pattern = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** Parses a quantity string or number; undefined when it is not one. */
export function parseQuantity(input: string | number): Quantity | undefined {
  const text = typeof input === 'number' ? numberText(input) : input.trim();
  const m = pattern.exec(text);
  if (m === null) return undefined;
  const whole = m[2] ?? '';
  const fraction = m[3] ?? '';
  if (whole === '' && fraction === '') return undefined;
  let mantissa = BigInt(`${whole}${fraction}` || '0');
  let exponent = -fraction.length;
  const suffix = m[4] ?? '';
  let format: QuantityFormat = 'DecimalSI';
  if (suffix in binarySuffixes) {
    format = 'BinarySI';
    mantissa *= 1024n ** BigInt(binarySuffixes[suffix]!);
  } else if (/^[eE][+-]?\d+$/.test(suffix)) {
    format = 'DecimalExponent';
    exponent += Number(suffix.slice(1));
  } else {
    exponent += decimalSuffixes[suffix]!;
  }
  if (m[1] === '-') mantissa = -mantissa;
  return roundToNano({ mantissa, exponent, format });
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) return 'NaN';
  const s = String(n);
  // 1e+21 and the like: the pattern takes an exponent suffix without the plus.
  return s.replace('e+', 'e');
}

/** Rounds away from zero to a multiple of 10^-9, as Kubernetes does on parse. */
function roundToNano(q: Quantity): Quantity {
  if (q.exponent >= -9) return q;
  const divisor = 10n ** BigInt(-9 - q.exponent);
  const negative = q.mantissa < 0n;
  const abs = negative ? -q.mantissa : q.mantissa;
  const rounded = (abs + divisor - 1n) / divisor;
  return { ...q, mantissa: negative ? -rounded : rounded, exponent: -9 };
}

/** mantissa × 10^exponent with exponent a multiple of 3 (at most 18) and the mantissa as small as that allows. */
function decimalParts(mantissa: bigint, exponent: number): { mantissa: bigint; exponent: number } {
  if (mantissa === 0n) return { mantissa, exponent: 0 };
  let m = mantissa;
  let e = exponent;
  while (m % 10n === 0n) {
    m /= 10n;
    e++;
  }
  const target = Math.min(18, Math.floor(e / 3) * 3);
  m *= 10n ** BigInt(e - target);
  return { mantissa: m, exponent: target };
}

/** The canonical text of a quantity. */
export function formatQuantity(q: Quantity): string {
  if (q.mantissa === 0n) return '0';
  if (q.format === 'BinarySI') {
    const integer = q.exponent >= 0 ? q.mantissa * 10n ** BigInt(q.exponent) : undefined;
    const divisor = q.exponent < 0 ? 10n ** BigInt(-q.exponent) : 1n;
    const exact = integer !== undefined || q.mantissa % divisor === 0n;
    const value = integer ?? q.mantissa / divisor;
    if (exact && (value >= 1024n || value <= -1024n)) {
      let m = value;
      let power = 0;
      while (power < 6 && m % 1024n === 0n) {
        m /= 1024n;
        power++;
      }
      return `${m}${binarySuffixByPower.get(power) ?? ''}`;
    }
  }
  const d = decimalParts(q.mantissa, q.exponent);
  if (q.format === 'DecimalExponent') return d.exponent === 0 ? `${d.mantissa}` : `${d.mantissa}e${d.exponent}`;
  return `${d.mantissa}${decimalSuffixByExponent.get(d.exponent) ?? ''}`;
}

/** The canonical form of a quantity, or undefined when value is not one. */
export function canonicalQuantity(value: string | number): string | undefined {
  const q = parseQuantity(value);
  return q === undefined ? undefined : formatQuantity(q);
}
