/**
 * HPACK's static Huffman code (RFC 7541, Appendix B), decoding only.
 *
 * The code is canonical: codes are handed out in order of length, then of symbol, so the
 * bit lengths alone define it. At load the code is turned into a table-driven decoder
 * that consumes four bits at a time: a state is a node of the code tree (the root, or a
 * prefix that is not yet a whole code), and each (state, nibble) entry says the next
 * state and the symbol completed on the way, if any (codes are at least five bits long,
 * so a nibble completes at most one).
 */

/** Bit length of the code of each symbol 0-255, then of EOS (256). */
export const HUFFMAN_CODE_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];

const EOS = 256;
/** In the decoding table: no symbol completed by this nibble. */
const NO_SYMBOL = -1;
/** In the decoding table: the nibble completes EOS, which a string must not contain. */
const FAILED = -2;

/** The canonical codes: symbol -> code (as a number; at most 30 bits). */
export const HUFFMAN_CODES: readonly number[] = (() => {
  const order = HUFFMAN_CODE_LENGTHS.map((len, sym) => ({ len, sym })).sort((a, b) => a.len - b.len || a.sym - b.sym);
  const codes = new Array<number>(HUFFMAN_CODE_LENGTHS.length).fill(0);
  let code = 0;
  let len = order[0]!.len;
  for (const [i, e] of order.entries()) {
    if (i > 0) code = (code + 1) * 2 ** (e.len - len);
    len = e.len;
    codes[e.sym] = code;
  }
  return codes;
})();

/** The code tree's inner nodes as states: children[2 * state + bit] is a state, or ~symbol for a leaf. */
interface DecodingTable {
  readonly next: Uint16Array;
  readonly symbol: Int16Array;
  /** Whether a string may end in this state: the padding so far is a prefix of EOS under 8 bits. */
  readonly canEnd: Uint8Array;
}

const TABLE: DecodingTable = (() => {
  const children: number[] = [0, 0];
  let states = 1;
  for (let sym = 0; sym <= EOS; sym++) {
    const len = HUFFMAN_CODE_LENGTHS[sym]!;
    const code = HUFFMAN_CODES[sym]!;
    let node = 0;
    for (let i = len - 1; i >= 0; i--) {
      const bit = Math.floor(code / 2 ** i) % 2;
      const slot = 2 * node + bit;
      if (i === 0) {
        children[slot] = ~sym;
      } else {
        if (children[slot] === 0) {
          children[slot] = states++;
          children.push(0, 0);
        }
        node = children[slot]!;
      }
    }
  }
  // A state's depth along the all-ones path from the root (-1 when off that path).
  const onesDepth = new Int16Array(states).fill(-1);
  onesDepth[0] = 0;
  for (let node = 0, depth = 0; ; depth++) {
    const child = children[2 * node + 1]!;
    if (child <= 0) break;
    onesDepth[child] = depth + 1;
    node = child;
  }
  const next = new Uint16Array(states * 16);
  const symbol = new Int16Array(states * 16).fill(NO_SYMBOL);
  const canEnd = new Uint8Array(states);
  for (let state = 0; state < states; state++) {
    const d = onesDepth[state]!;
    canEnd[state] = state === 0 || (d > 0 && d < 8) ? 1 : 0;
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let emitted = NO_SYMBOL;
      for (let i = 3; i >= 0; i--) {
        const child = children[2 * node + ((nibble >> i) & 1)]!;
        if (child < 0) {
          emitted = ~child === EOS ? FAILED : ~child;
          node = 0;
          if (emitted === FAILED) break;
        } else {
          node = child;
        }
      }
      next[state * 16 + nibble] = node;
      symbol[state * 16 + nibble] = emitted;
    }
  }
  return { next, symbol, canEnd };
})();

let scratch = Buffer.allocUnsafe(256);

/**
 * Decodes the Huffman-coded octets src[start, end) into a latin1 string (one character per
 * octet); undefined when they are not a valid encoding (EOS inside, or padding that is not
 * a short prefix of EOS).
 */
export function huffmanDecode(src: Uint8Array, start: number, end: number): string | undefined {
  // At most 8 bits per 5-bit code: the output is no longer than 8/5 of the input.
  const most = Math.ceil(((end - start) * 8) / 5);
  if (scratch.length < most) scratch = Buffer.allocUnsafe(Math.max(most, scratch.length * 2));
  const { next, symbol, canEnd } = TABLE;
  let state = 0;
  let n = 0;
  for (let i = start; i < end; i++) {
    const octet = src[i]!;
    let k = state * 16 + (octet >> 4);
    let sym = symbol[k]!;
    if (sym >= 0) scratch[n++] = sym;
    else if (sym === FAILED) return undefined;
    state = next[k]!;
    k = state * 16 + (octet & 15);
    sym = symbol[k]!;
    if (sym >= 0) scratch[n++] = sym;
    else if (sym === FAILED) return undefined;
    state = next[k]!;
  }
  if (canEnd[state] !== 1) return undefined;
  return scratch.toString('latin1', 0, n);
}
