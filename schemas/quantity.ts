/**
 * Kubernetes resource quantities ("500m", "1Gi", "1e3") read and written as
 * apimachinery's resource.Quantity reads and writes them:
 * - the grammar is its scanner's: a sign, digits, a dot and digits (each part
 *   may be empty: "+", "." and "1." are quantities), then suffix letters, a
 *   sign and digits; what the scanner cannot read is one of its three errors;
 * - values are rounded away from zero to nano units;
 * - a quantity Go keeps as a small integer amount keeps the text it was
 *   written in when that text is already "canonical" by Go's test ("5E-3",
 *   "1e+3" and "1." come back as sent), otherwise it is written in the
 *   canonical form: decimal with an exponent that is a multiple of three and
 *   no spare zeros (a DecimalSI exponent past "E" loses its suffix, as it does
 *   in Go), binary in the largest power of 1024 that divides it (decimal when
 *   under 1024 or not whole);
 * - the values of a core/v1 ResourceList are rounded up to milli units by
 *   defaulting (roundUpToMilli).
 */

/** How a quantity is written: by its suffix. */
type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/**
 * A parsed quantity: mantissa × 10^exponent, the format its suffix chose, the text Go would
 * write back when it keeps the one it read, and whether Go holds it as an arbitrary-precision
 * decimal (inf.Dec) rather than an int64 amount.
 */
export interface Quantity {
  readonly mantissa: bigint;
  readonly exponent: number;
  readonly format: QuantityFormat;
  readonly text?: string;
  readonly decimal?: true;
}

/** resource.ErrFormatWrong, ErrSuffix and ErrNumeric. */
export const quantityErrors = {
  format: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
  suffix: "unable to parse quantity's suffix",
  numeric: 'unable to parse numeric part of quantity',
} as const;

const decimalSuffixes: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalSuffixByExponent = new Map(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]));
const binarySuffixByPower = new Map(Object.entries(binarySuffixes).map(([s, bits]) => [bits / 10, s]));

const INT64_MAX = (1n << 63n) - 1n;
/** Sign, whole digits, fraction digits, suffix: what Go's scanner accepts (every part may be empty). */
const grammar = /^([+-]?)(\d*)(?:\.(\d*))?([eEinumkKMGTP]*[+-]?\d*)$/;

/** What a suffix means: a power of 10 or of 2, and the format it asks for. */
function suffixMeaning(suffix: string): { base: 10 | 2; exponent: number; format: QuantityFormat } | undefined {
  const decimal = decimalSuffixes[suffix];
  if (decimal !== undefined) return { base: 10, exponent: decimal, format: 'DecimalSI' };
  const binary = binarySuffixes[suffix];
  if (binary !== undefined) return { base: 2, exponent: binary, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d+$/.test(suffix.slice(1))) {
    const parsed = BigInt(suffix.slice(1));
    if (parsed > INT64_MAX || parsed < -INT64_MAX - 1n) return undefined;
    // Go keeps the exponent in an int32.
    return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: 'DecimalExponent' };
  }
  return undefined;
}

/** Reads a quantity string or JSON number: the quantity, or the error Go's parser gives. */
export function readQuantity(input: string | number): { quantity: Quantity } | { error: string } {
  const text = typeof input === 'number' ? String(input) : input.trim();
  if (text === '') return { error: quantityErrors.format };
  if (text === '0') return { quantity: { mantissa: 0n, exponent: 0, format: 'DecimalSI', text } };
  const m = grammar.exec(text);
  if (m === null) return { error: quantityErrors.format };
  const negative = m[1] === '-';
  const rawWhole = m[2] ?? '';
  const fraction = m[3] ?? '';
  const meaning = suffixMeaning(m[4] ?? '');
  if (meaning === undefined) return { error: quantityErrors.suffix };
  const whole = rawWhole.replace(/^0+/, '') || '0';
  const small = smallAmount(text, negative, whole, fraction, meaning);
  if (small !== undefined) return { quantity: small };
  if (rawWhole === '' && fraction === '') return { error: quantityErrors.numeric };
  return { quantity: largeAmount(negative, BigInt(rawWhole + fraction), -fraction.length, meaning) };
}

/**
 * Go's fast path: a value that fits an int64 at a scale of nano or coarser.
 * It keeps the text when Go considers it canonical.
 */
function smallAmount(text: string, negative: boolean, whole: string, fraction: string, meaning: NonNullable<ReturnType<typeof suffixMeaning>>): Quantity | undefined {
  let scale = 0;
  let precision: number;
  let multiplier = 1n;
  if (meaning.base === 10) {
    scale = meaning.exponent;
    precision = 18 - (whole.length + fraction.length);
  } else if (fraction === '') {
    multiplier = 1n << BigInt(meaning.exponent);
    precision = 15 - whole.length - Math.trunc((meaning.exponent * 3) / 10) - 1;
  } else {
    return undefined;
  }
  if (precision < 0) return undefined;
  scale -= fraction.length;
  if (scale < -9) return undefined;
  const shifted = whole + fraction;
  const value = BigInt(shifted);
  const amount = value * multiplier;
  if (amount > INT64_MAX) return undefined;
  const keepsText = meaning.base === 2 ? (value & 7n) !== 0n : scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
  return { mantissa: negative ? -amount : amount, exponent: scale, format: meaning.format, ...(keepsText ? { text } : {}) };
}

/** Go's arbitrary-precision path: rounded up to nano, binary values capped at the int64 maximum. */
function largeAmount(negative: boolean, digits: bigint, exponent: number, meaning: NonNullable<ReturnType<typeof suffixMeaning>>): Quantity {
  let mantissa = digits;
  if (meaning.base === 10) exponent += meaning.exponent;
  else mantissa *= 1n << BigInt(meaning.exponent);
  let format = meaning.format;
  ({ mantissa, exponent } = roundUp(mantissa, exponent, -9));
  if (format === 'BinarySI') {
    if (exceeds(mantissa, exponent, INT64_MAX)) ({ mantissa, exponent } = { mantissa: INT64_MAX, exponent: 0 });
    // Under one (the exponent is nano or coarser now) is written in decimal.
    if (exponent < 0 && mantissa < 10n ** BigInt(-exponent)) format = 'DecimalSI';
  }
  return { mantissa: negative ? -mantissa : mantissa, exponent, format, decimal: true };
}

/** Whether mantissa × 10^exponent (a positive mantissa, an exponent of nano or coarser) is greater than limit, an int64. */
function exceeds(mantissa: bigint, exponent: number, limit: bigint): boolean {
  if (exponent >= 0) return exponent > 19 || mantissa * 10n ** BigInt(exponent) > limit;
  return mantissa > limit * 10n ** BigInt(-exponent);
}

/** Rounds a non-negative mantissa × 10^exponent up to a multiple of 10^scale (nonzero values stay nonzero). */
function roundUp(mantissa: bigint, exponent: number, scale: number): { mantissa: bigint; exponent: number } {
  if (exponent >= scale || mantissa === 0n) return { mantissa, exponent };
  const places = scale - exponent;
  // A value smaller than one unit of the scale is one unit (this also keeps 10^places from being built for huge places).
  if (places > mantissa.toString().length) return { mantissa: 1n, exponent: scale };
  const divisor = 10n ** BigInt(places);
  return { mantissa: (mantissa + divisor - 1n) / divisor, exponent: scale };
}

/** Parses a quantity string or number; undefined when it is not one (or not a string or number at all). */
export function parseQuantity(input: unknown): Quantity | undefined {
  if (typeof input !== 'string' && typeof input !== 'number') return undefined;
  const read = readQuantity(input);
  return 'quantity' in read ? read.quantity : undefined;
}

/** The error Go's parser gives for input, or undefined when it is a quantity. */
export function quantityError(input: string | number): string | undefined {
  const read = readQuantity(input);
  return 'error' in read ? read.error : undefined;
}

/** What core/v1's ResourceList defaulting does to each value: rounded up (away from zero) to milli units. */
export function roundUpToMilli(q: Quantity): Quantity {
  if (q.exponent >= -3) return q;
  const negative = q.mantissa < 0n;
  const rounded = roundUp(negative ? -q.mantissa : q.mantissa, q.exponent, -3);
  return { mantissa: negative ? -rounded.mantissa : rounded.mantissa, exponent: rounded.exponent, format: q.format, ...(q.decimal ? { decimal: true } : {}) };
}

/** The canonical text of a quantity (the text it was read from is not looked at). */
export function formatQuantity(q: Quantity): string {
  if (q.mantissa === 0n) return '0';
  if (q.format === 'BinarySI') {
    const divisor = q.exponent < 0 ? 10n ** BigInt(-q.exponent) : 1n;
    const whole = q.exponent >= 0 ? q.mantissa * 10n ** BigInt(q.exponent) : q.mantissa / divisor;
    const exact = q.exponent >= 0 || q.mantissa % divisor === 0n;
    if (exact && (whole >= 1024n || whole <= -1024n)) {
      let m = whole;
      let power = 0;
      while (m % 1024n === 0n) {
        m /= 1024n;
        power++;
      }
      return `${m}${binarySuffixByPower.get(power) ?? ''}`;
    }
  }
  let m = q.mantissa;
  let e = q.exponent;
  while (m % 10n === 0n) {
    m /= 10n;
    e++;
  }
  const aligned = Math.floor(e / 3) * 3;
  m *= 10n ** BigInt(e - aligned);
  if (q.format === 'DecimalExponent') return aligned === 0 ? `${m}` : `${m}e${aligned}`;
  return `${m}${decimalSuffixByExponent.get(aligned) ?? ''}`;
}

/** The text Go writes for a quantity: the one it was read from when kept, else the canonical one. */
export function quantityText(q: Quantity): string {
  return q.text ?? formatQuantity(q);
}

/** The text Kubernetes writes back for value (a ResourceList's value when resourceList), or undefined when value is not a quantity. */
export function canonicalQuantity(value: string | number, resourceList = false): string | undefined {
  const q = parseQuantity(value);
  if (q === undefined) return undefined;
  return quantityText(resourceList ? roundUpToMilli(q) : q);
}

/** Quantity.Cmp: -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const signA = a.mantissa < 0n ? -1 : a.mantissa > 0n ? 1 : 0;
  const signB = b.mantissa < 0n ? -1 : b.mantissa > 0n ? 1 : 0;
  if (signA !== signB) return signA < signB ? -1 : 1;
  if (signA === 0) return 0;
  const abs = (m: bigint): bigint => (m < 0n ? -m : m);
  // Integer digits first, so that exponents far apart are never aligned digit by digit.
  const digitsA = abs(a.mantissa).toString().length + a.exponent;
  const digitsB = abs(b.mantissa).toString().length + b.exponent;
  let magnitude: number;
  if (digitsA !== digitsB) magnitude = digitsA < digitsB ? -1 : 1;
  else {
    const low = Math.min(a.exponent, b.exponent);
    const x = abs(a.mantissa) * 10n ** BigInt(a.exponent - low);
    const y = abs(b.mantissa) * 10n ** BigInt(b.exponent - low);
    magnitude = x < y ? -1 : x > y ? 1 : 0;
  }
  return signA * magnitude;
}

/** Quantity.ScaledValue: the value in units of 10^scale, rounded up (Value is scale 0, MilliValue -3), capped at int64. */
export function scaledValue(q: Quantity, scale: number): bigint {
  const negative = q.mantissa < 0n;
  const abs = negative ? -q.mantissa : q.mantissa;
  let value: bigint;
  if (q.exponent >= scale) value = q.exponent - scale + abs.toString().length > 19 ? INT64_MAX : abs * 10n ** BigInt(q.exponent - scale);
  else value = roundUp(abs, q.exponent, scale).mantissa;
  if (value > INT64_MAX) value = INT64_MAX;
  return negative ? -value : value;
}

/** A quantity's value as a float, close enough to compare; NaN when value is not a quantity. */
export function quantityNumber(value: unknown): number {
  const q = parseQuantity(value);
  return q === undefined ? NaN : Number(q.mantissa) * 10 ** q.exponent;
}
