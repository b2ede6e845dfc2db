/**
 * An HPACK decoder (RFC 7541) for the header blocks one HTTP/2 peer sends: the static
 * and dynamic tables, integer and string literals (Huffman-coded or not) and dynamic
 * table size updates. It serves a connection-level filter that must follow the table
 * exactly as the real decoder behind it does, so it decodes everything that changes the
 * table and, on request, the fields themselves; a value the caller does not ask for and
 * that is not indexed is skipped without Huffman-decoding it.
 */
import { huffmanDecode } from './hpack-huffman.js';

/** A header field as decoded: names and values are latin1 strings (one character per octet). */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
}

/** How a field was represented (RFC 7541 section 6). */
export const FieldKind = {
  /** 6.1: a table entry by index. */
  Indexed: 'indexed',
  /** 6.2.1: a literal added to the dynamic table. */
  Incremental: 'incremental',
  /** 6.2.2: a literal not added. */
  WithoutIndexing: 'without-indexing',
  /** 6.2.3: a literal not added here nor by any intermediary. */
  NeverIndexed: 'never-indexed',
} as const;
export type FieldKind = (typeof FieldKind)[keyof typeof FieldKind];

/** A field with where its representation lies in the block. */
export interface DecodedField extends HeaderField {
  readonly kind: FieldKind;
  /** Offset of the representation's first octet in the block. */
  readonly start: number;
  /** Offset just past it. */
  readonly end: number;
  /** A literal's name as a table index (static or dynamic, 1-based); 0 for a literal name. */
  readonly nameIndex: number;
}

/** Malformed input; the code says what (tests match on it). */
export class HpackError extends Error {
  constructor(
    readonly code: 'Truncated' | 'IntegerOverflow' | 'BadIndex' | 'BadHuffman' | 'TableSizeTooLarge' | 'LateTableSizeUpdate',
    message: string,
  ) {
    super(message);
  }
}

/** RFC 7541 Appendix A. */
export const STATIC_TABLE: readonly HeaderField[] = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
].map(([name, value]) => ({ name: name!, value: value! }));

/** An entry's size: its octets plus 32 (RFC 7541 section 4.1). */
const ENTRY_OVERHEAD = 32;
/** Largest integer accepted (well past any table index or string a peer may send). */
const MAX_INTEGER = 2 ** 31 - 1;

/**
 * The decoding side of one HPACK context: feed it every header block the peer sends on
 * the connection, in order.
 */
export class HpackDecoder {
  /** Dynamic table entries, oldest first, from `head` on. */
  private entries: HeaderField[] = [];
  private head = 0;
  private size = 0;
  private maxSize: number;
  /** Where decode() stopped reading (the result of the last integer or string read). */
  private pos = 0;

  /** settingsMaxSize: SETTINGS_HEADER_TABLE_SIZE as this side advertised it (the limit for size updates). */
  constructor(private readonly settingsMaxSize = 4096) {
    this.maxSize = settingsMaxSize;
  }

  /** The dynamic table, newest first (index 62 first), as tests read it. */
  get dynamicTable(): HeaderField[] {
    return this.entries.slice(this.head).reverse();
  }

  /** The dynamic table's size in RFC 7541's terms. */
  get tableSize(): number {
    return this.size;
  }

  /**
   * Decodes block[start, end), updating the dynamic table. With `out`, every field is
   * appended to it; without, only the literal fields named nameOfInterest are (with their
   * values), and other values that the table does not keep are skipped undecoded.
   * Throws HpackError on malformed input (the table is then unusable).
   */
  decode(block: Uint8Array, start: number, end: number, out: DecodedField[], nameOfInterest?: string): void {
    const all = nameOfInterest === undefined;
    let pos = start;
    let fieldSeen = false;
    while (pos < end) {
      const first = block[pos]!;
      const at = pos;
      if (first & 0x80) {
        const index = this.integer(block, pos, end, 7);
        pos = this.pos;
        if (index === 0) throw new HpackError('BadIndex', 'indexed field with index 0');
        fieldSeen = true;
        if (all) {
          const f = this.entry(index);
          out.push({ name: f.name, value: f.value, kind: FieldKind.Indexed, start: at, end: pos, nameIndex: index });
        } else {
          this.entry(index); // checks the index
        }
        continue;
      }
      if ((first & 0xe0) === 0x20) {
        if (fieldSeen) throw new HpackError('LateTableSizeUpdate', 'dynamic table size update after a field');
        const max = this.integer(block, pos, end, 5);
        pos = this.pos;
        if (max > this.settingsMaxSize) throw new HpackError('TableSizeTooLarge', `dynamic table size update to ${max} over the limit ${this.settingsMaxSize}`);
        this.maxSize = max;
        this.evict(0);
        continue;
      }
      fieldSeen = true;
      const kind = first & 0x40 ? FieldKind.Incremental : first & 0x10 ? FieldKind.NeverIndexed : FieldKind.WithoutIndexing;
      const nameIndex = this.integer(block, pos, end, kind === FieldKind.Incremental ? 6 : 4);
      pos = this.pos;
      let name: string;
      if (nameIndex === 0) {
        name = this.string(block, pos, end, true)!;
        pos = this.pos;
      } else {
        name = this.entry(nameIndex).name;
      }
      const wanted = all || name === nameOfInterest;
      const value = this.string(block, pos, end, wanted || kind === FieldKind.Incremental);
      pos = this.pos;
      if (kind === FieldKind.Incremental) this.add(name, value!);
      if (wanted) out.push({ name, value: value!, kind, start: at, end: pos, nameIndex });
    }
  }

  private entry(index: number): HeaderField {
    if (index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1]!;
    const i = this.entries.length - 1 - (index - STATIC_TABLE.length - 1);
    if (i < this.head) throw new HpackError('BadIndex', `index ${index} is past the table (${STATIC_TABLE.length + this.entries.length - this.head} entries)`);
    return this.entries[i]!;
  }

  private add(name: string, value: string): void {
    const size = name.length + value.length + ENTRY_OVERHEAD;
    // An entry larger than the table empties it and is not added (section 4.4).
    this.evict(size);
    if (size > this.maxSize) return;
    this.entries.push({ name, value });
    this.size += size;
  }

  /** Evicts the oldest entries until `room` more octets fit. */
  private evict(room: number): void {
    while (this.size + room > this.maxSize && this.head < this.entries.length) {
      const e = this.entries[this.head]!;
      this.size -= e.name.length + e.value.length + ENTRY_OVERHEAD;
      this.head++;
    }
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
    } else if (this.head > 32 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** An integer with an n-bit prefix at block[pos] (section 5.1); sets this.pos past it. */
  private integer(block: Uint8Array, pos: number, end: number, n: number): number {
    const mask = (1 << n) - 1;
    let value = block[pos]! & mask;
    pos++;
    if (value === mask) {
      let shift = 0;
      for (;;) {
        if (pos >= end) throw new HpackError('Truncated', 'header block ends inside an integer');
        const b = block[pos++]!;
        value += (b & 0x7f) * 2 ** shift;
        if (value > MAX_INTEGER) throw new HpackError('IntegerOverflow', 'integer too large');
        shift += 7;
        if ((b & 0x80) === 0) break;
      }
    }
    this.pos = pos;
    return value;
  }

  /** A string literal at block[pos] (section 5.2): decoded when wanted, else skipped (undefined). */
  private string(block: Uint8Array, pos: number, end: number, wanted: boolean): string | undefined {
    if (pos >= end) throw new HpackError('Truncated', 'header block ends before a string');
    const huffman = (block[pos]! & 0x80) !== 0;
    const length = this.integer(block, pos, end, 7);
    const from = this.pos;
    const to = from + length;
    if (to > end) throw new HpackError('Truncated', 'header block ends inside a string');
    this.pos = to;
    if (!wanted) return undefined;
    if (!huffman) return Buffer.from(block.buffer, block.byteOffset + from, length).toString('latin1');
    const s = huffmanDecode(block, from, to);
    if (s === undefined) throw new HpackError('BadHuffman', 'invalid Huffman-coded string');
    return s;
  }
}
