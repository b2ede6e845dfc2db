import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder, HpackError, type DecodedField } from '../../storage/grpc/hpack-decoder.js';
import { HUFFMAN_CODES, huffmanDecode } from '../../storage/grpc/hpack-huffman.js';

type Fields = Array<[string, string]>;

/** A block of RFC 7541 Appendix C: its octets, the header list, and the dynamic table after it (newest first). */
interface Step {
  readonly hex: string;
  readonly fields: Fields;
  readonly table: Fields;
  readonly size: number;
}

const cases: Array<{ readonly name: string; readonly tableSize: number; readonly steps: readonly Step[] }> = [
  {
    name: 'C.2.1 literal with indexing',
    tableSize: 4096,
    steps: [{ hex: '400a637573746f6d2d6b65790d637573746f6d2d686561646572', fields: [['custom-key', 'custom-header']], table: [['custom-key', 'custom-header']], size: 55 }],
  },
  { name: 'C.2.2 literal without indexing', tableSize: 4096, steps: [{ hex: '040c2f73616d706c652f70617468', fields: [[':path', '/sample/path']], table: [], size: 0 }] },
  { name: 'C.2.3 literal never indexed', tableSize: 4096, steps: [{ hex: '100870617373776f726406736563726574', fields: [['password', 'secret']], table: [], size: 0 }] },
  { name: 'C.2.4 indexed field', tableSize: 4096, steps: [{ hex: '82', fields: [[':method', 'GET']], table: [], size: 0 }] },
  {
    name: 'C.3 requests without Huffman coding',
    tableSize: 4096,
    steps: [
      {
        hex: '828684410f7777772e6578616d706c652e636f6d',
        fields: [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']],
        table: [[':authority', 'www.example.com']],
        size: 57,
      },
      {
        hex: '828684be58086e6f2d6361636865',
        fields: [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache']],
        table: [['cache-control', 'no-cache'], [':authority', 'www.example.com']],
        size: 110,
      },
      {
        hex: '828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565',
        fields: [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']],
        table: [['custom-key', 'custom-value'], ['cache-control', 'no-cache'], [':authority', 'www.example.com']],
        size: 164,
      },
    ],
  },
  {
    name: 'C.4 requests with Huffman coding',
    tableSize: 4096,
    steps: [
      {
        hex: '828684418cf1e3c2e5f23a6ba0ab90f4ff',
        fields: [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']],
        table: [[':authority', 'www.example.com']],
        size: 57,
      },
      {
        hex: '828684be5886a8eb10649cbf',
        fields: [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache']],
        table: [['cache-control', 'no-cache'], [':authority', 'www.example.com']],
        size: 110,
      },
      {
        hex: '828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf',
        fields: [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']],
        table: [['custom-key', 'custom-value'], ['cache-control', 'no-cache'], [':authority', 'www.example.com']],
        size: 164,
      },
    ],
  },
];

const DATE1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const DATE2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const LOCATION = 'https://www.example.com';
const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const responses = (hex: readonly [string, string, string]): readonly Step[] => [
  {
    hex: hex[0],
    fields: [[':status', '302'], ['cache-control', 'private'], ['date', DATE1], ['location', LOCATION]],
    table: [['location', LOCATION], ['date', DATE1], ['cache-control', 'private'], [':status', '302']],
    size: 222,
  },
  {
    hex: hex[1],
    fields: [[':status', '307'], ['cache-control', 'private'], ['date', DATE1], ['location', LOCATION]],
    table: [[':status', '307'], ['location', LOCATION], ['date', DATE1], ['cache-control', 'private']],
    size: 222,
  },
  {
    hex: hex[2],
    fields: [[':status', '200'], ['cache-control', 'private'], ['date', DATE2], ['location', LOCATION], ['content-encoding', 'gzip'], ['set-cookie', COOKIE]],
    table: [['set-cookie', COOKIE], ['content-encoding', 'gzip'], ['date', DATE2]],
    size: 215,
  },
];
cases.push(
  {
    name: 'C.5 responses without Huffman coding (table of 256)',
    tableSize: 256,
    steps: responses([
      '4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d',
      '4803333037c1c0bf',
      '88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31',
    ]),
  },
  {
    name: 'C.6 responses with Huffman coding (table of 256)',
    tableSize: 256,
    steps: responses([
      '488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3',
      '4883640effc1c0bf',
      '88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007',
    ]),
  },
);

for (const c of cases) {
  test(`RFC 7541 ${c.name}`, () => {
    const decoder = new HpackDecoder(c.tableSize);
    for (const [i, step] of c.steps.entries()) {
      const block = Buffer.from(step.hex, 'hex');
      const out: DecodedField[] = [];
      decoder.decode(block, 0, block.length, out);
      assert.deepEqual(out.map((f) => [f.name, f.value]), step.fields, `block ${i + 1}: fields`);
      assert.deepEqual(decoder.dynamicTable.map((f) => [f.name, f.value]), step.table, `block ${i + 1}: dynamic table`);
      assert.equal(decoder.tableSize, step.size, `block ${i + 1}: table size`);
      // Representations tile the block.
      assert.equal(out[0]!.start, 0);
      for (let k = 1; k < out.length; k++) assert.equal(out[k]!.start, out[k - 1]!.end);
      assert.equal(out[out.length - 1]!.end, block.length);
    }
  });
}

test('asked for one name, the decoder returns only those literals and still keeps the table', () => {
  const decoder = new HpackDecoder();
  const blocks = cases.find((c) => c.name.startsWith('C.4'))!.steps.map((s) => Buffer.from(s.hex, 'hex'));
  const seen: string[][] = [];
  for (const block of blocks) {
    const out: DecodedField[] = [];
    decoder.decode(block, 0, block.length, out, ':authority');
    seen.push(out.map((f) => `${f.kind} ${f.nameIndex} ${f.value}`));
  }
  // The first request sends it as a literal indexed by name (static 1); the others refer to the entry.
  assert.deepEqual(seen, [['incremental 1 www.example.com'], [], []]);
  assert.equal(decoder.tableSize, 164);
});

test('canonical Huffman codes match RFC 7541 Appendix B where spot-checked', () => {
  const spot: Array<[number, number]> = [
    [0, 0x1ff8], [1, 0x7fffd8], [10, 0x3ffffffc], [32, 0x14], [33, 0x3f8], [48, 0x0], [97, 0x3], [255, 0x3ffffee], [256, 0x3fffffff],
  ];
  for (const [sym, code] of spot) assert.equal(HUFFMAN_CODES[sym], code, `symbol ${sym}`);
});

test('Huffman decoding refuses EOS inside a string and padding that is not a short prefix of EOS', () => {
  const decode = (hex: string): string | undefined => {
    const b = Buffer.from(hex, 'hex');
    return huffmanDecode(b, 0, b.length);
  };
  assert.equal(decode(''), '');
  assert.equal(decode('1f'), 'a'); // 00011 + padding 111
  assert.equal(decode('18'), undefined); // 00011 + padding 000: not ones
  assert.equal(decode('ff'), undefined); // 8 bits of padding
  assert.equal(decode('fffffffc'), undefined); // EOS (30 ones) followed by two zero bits
  assert.equal(decode('1fff'), undefined); // 'a', then more than 7 bits of padding
});

test('malformed blocks throw HpackError with a code', () => {
  const codeOf = (hex: string, decoder = new HpackDecoder()): string => {
    const b = Buffer.from(hex, 'hex');
    try {
      decoder.decode(b, 0, b.length, []);
    } catch (err) {
      assert.ok(err instanceof HpackError);
      return err.code;
    }
    return 'none';
  };
  assert.equal(codeOf('80'), 'BadIndex');
  assert.equal(codeOf('be'), 'BadIndex'); // 62: an empty dynamic table
  assert.equal(codeOf('410a6162'), 'Truncated');
  assert.equal(codeOf('ff'), 'Truncated');
  assert.equal(codeOf('ffffffffffff7f'), 'IntegerOverflow');
  assert.equal(codeOf('4181ff'), 'BadHuffman');
  assert.equal(codeOf('3fe21f'), 'TableSizeTooLarge'); // 4097 > 4096
  assert.equal(codeOf('8220'), 'LateTableSizeUpdate');
  assert.equal(codeOf('20828286'), 'none');
});

test('a table size update evicts, and an entry larger than the table empties it', () => {
  const decoder = new HpackDecoder();
  const add = (hex: string): void => {
    const b = Buffer.from(hex, 'hex');
    decoder.decode(b, 0, b.length, []);
  };
  add('400a637573746f6d2d6b65790d637573746f6d2d686561646572'); // 55 octets
  add('828684410f7777772e6578616d706c652e636f6d'); // +57
  assert.equal(decoder.tableSize, 112);
  add('3f2182'); // size update to 64 (31 + 33), then :method GET
  assert.deepEqual(decoder.dynamicTable.map((f) => f.name), [':authority']);
  add('3f1182'); // 48: the entry (57) no longer fits
  assert.equal(decoder.tableSize, 0);
  add('3f21400a637573746f6d2d6b65790d637573746f6d2d686561646572'); // 64 again, add 55: fits
  assert.equal(decoder.tableSize, 55);
});
