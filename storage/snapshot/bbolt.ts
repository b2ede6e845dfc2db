/**
 * Reading and writing files in bbolt's format (the B+tree file etcd keeps its data
 * in), enough for etcd's snapshots: a root bucket holding named buckets of sorted
 * key/value pairs. Page layout, little-endian:
 *   page header: id u64, flags u16, count u16, overflow u32 (16 bytes)
 *   meta (pages 0 and 1): magic, version, pageSize, flags, root bucket {pgid, seq},
 *     freelist pgid, high-water pgid, txid, FNV-1a 64 checksum of the fields before it
 *   leaf element: flags u32, pos u32, ksize u32, vsize u32 (pos from the element)
 *   branch element: pos u32, ksize u32, pgid u64
 * A bucket is a leaf entry flagged 0x01 whose value is {root pgid u64, sequence u64},
 * followed by an inline page when root is 0.
 */
import { closeSync, openSync, readSync, writeSync, fstatSync } from 'node:fs';

export const PAGE_SIZE = 4096;
const MAGIC = 0xed0cdaed;
const VERSION = 2;
const HEADER = 16;
const ELEMENT = 16;
const BRANCH_PAGE = 0x01;
const LEAF_PAGE = 0x02;
const META_PAGE = 0x04;
const FREELIST_PAGE = 0x10;
const BUCKET_LEAF = 0x01;

function fnv1a64(buf: Buffer): bigint {
  let h = 0xcbf29ce484222325n;
  for (const byte of buf) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

/** One key/value of a bucket. */
export interface Entry {
  readonly key: Buffer;
  readonly value: Buffer;
}

/**
 * Writes a bbolt file page by page. Buckets are written one after another, each
 * from entries given in ascending key order; close() writes the root bucket, the
 * freelist and the two meta pages.
 */
export class BoltWriter {
  private readonly fd: number;
  private nextPage = 3; // 0, 1: meta; 2: freelist
  private readonly buckets: Array<{ name: Buffer; root: number }> = [];

  constructor(path: string) {
    this.fd = openSync(path, 'w', 0o600);
  }

  /** Writes a bucket from entries in ascending key order. */
  writeBucket(name: string, entries: Iterable<Entry>): void {
    const leaves = this.writePages(LEAF_PAGE, entries);
    this.buckets.push({ name: Buffer.from(name), root: this.writeBranches(leaves) });
  }

  /** Finishes the file; returns its size in bytes. */
  close(): number {
    const rootEntries = [...this.buckets]
      .sort((a, b) => Buffer.compare(a.name, b.name))
      .map((b) => ({ key: b.name, value: bucketValue(b.root), flags: BUCKET_LEAF }));
    const rootPage = this.writePage(LEAF_PAGE, rootEntries);
    const freelist = Buffer.alloc(PAGE_SIZE);
    freelist.writeBigUInt64LE(2n, 0);
    freelist.writeUInt16LE(FREELIST_PAGE, 8);
    writeSync(this.fd, freelist, 0, PAGE_SIZE, 2 * PAGE_SIZE);
    for (const id of [0, 1]) writeSync(this.fd, this.meta(id, rootPage), 0, PAGE_SIZE, id * PAGE_SIZE);
    closeSync(this.fd);
    return this.nextPage * PAGE_SIZE;
  }

  private meta(id: number, root: number): Buffer {
    const p = Buffer.alloc(PAGE_SIZE);
    p.writeBigUInt64LE(BigInt(id), 0);
    p.writeUInt16LE(META_PAGE, 8);
    const m = HEADER;
    p.writeUInt32LE(MAGIC, m);
    p.writeUInt32LE(VERSION, m + 4);
    p.writeUInt32LE(PAGE_SIZE, m + 8);
    p.writeUInt32LE(0, m + 12);
    p.writeBigUInt64LE(BigInt(root), m + 16);
    p.writeBigUInt64LE(0n, m + 24);
    p.writeBigUInt64LE(2n, m + 32); // freelist page
    p.writeBigUInt64LE(BigInt(this.nextPage), m + 40); // high-water mark
    p.writeBigUInt64LE(BigInt(id), m + 48); // txid
    p.writeBigUInt64LE(fnv1a64(p.subarray(m, m + 56)), m + 56);
    return p;
  }

  /** Packs items into as few pages of one type as fit, in order; returns each page's first key and id. */
  private writePages(type: typeof LEAF_PAGE | typeof BRANCH_PAGE, items: Iterable<PageItem>): Array<{ key: Buffer; page: number }> {
    const out: Array<{ key: Buffer; page: number }> = [];
    let batch: PageItem[] = [];
    let size = HEADER;
    const flush = (): void => {
      if (batch.length === 0) return;
      out.push({ key: batch[0]!.key, page: this.writePage(type, batch) });
      batch = [];
      size = HEADER;
    };
    for (const item of items) {
      const need = ELEMENT + item.key.length + (item.value?.length ?? 0);
      if (batch.length > 0 && (size + need > PAGE_SIZE || batch.length === 0xffff)) flush();
      batch.push(item);
      size += need;
    }
    flush();
    if (out.length === 0) out.push({ key: Buffer.alloc(0), page: this.writePage(type, []) });
    return out;
  }

  /** Builds branch levels over leaf pages until one page remains; returns the root page. */
  private writeBranches(children: Array<{ key: Buffer; page: number }>): number {
    let level = children;
    while (level.length > 1) level = this.writePages(BRANCH_PAGE, level);
    return level[0]!.page;
  }

  /**
   * Writes one page (with overflow pages when the items do not fit one) at the next
   * page id. Leaf elements: flags, pos, ksize, vsize, then key and value; branch
   * elements: pos, ksize, child page id, then key. pos counts from the element.
   */
  private writePage(type: typeof LEAF_PAGE | typeof BRANCH_PAGE, items: readonly PageItem[]): number {
    const dataSize = items.reduce((n, it) => n + it.key.length + (it.value?.length ?? 0), 0);
    const pages = Math.max(1, Math.ceil((HEADER + items.length * ELEMENT + dataSize) / PAGE_SIZE));
    const p = Buffer.alloc(pages * PAGE_SIZE);
    const id = this.nextPage;
    p.writeBigUInt64LE(BigInt(id), 0);
    p.writeUInt16LE(type, 8);
    p.writeUInt16LE(items.length, 10);
    p.writeUInt32LE(pages - 1, 12);
    let data = HEADER + items.length * ELEMENT;
    items.forEach((it, i) => {
      const el = HEADER + i * ELEMENT;
      if (type === LEAF_PAGE) {
        p.writeUInt32LE(it.flags ?? 0, el);
        p.writeUInt32LE(data - el, el + 4);
        p.writeUInt32LE(it.key.length, el + 8);
        p.writeUInt32LE(it.value?.length ?? 0, el + 12);
      } else {
        p.writeUInt32LE(data - el, el);
        p.writeUInt32LE(it.key.length, el + 4);
        p.writeBigUInt64LE(BigInt(it.page ?? 0), el + 8);
      }
      it.key.copy(p, data);
      it.value?.copy(p, data + it.key.length);
      data += it.key.length + (it.value?.length ?? 0);
    });
    writeSync(this.fd, p, 0, p.length, id * PAGE_SIZE);
    this.nextPage += pages;
    return id;
  }
}

/** One element of a page: a leaf's key and value (flags 0x01: a bucket), or a branch's key and child page. */
interface PageItem {
  readonly key: Buffer;
  readonly value?: Buffer;
  readonly flags?: number;
  readonly page?: number;
}

function bucketValue(root: number): Buffer {
  const v = Buffer.alloc(16);
  v.writeBigUInt64LE(BigInt(root), 0);
  return v;
}

/** Reads a bbolt file: its buckets and their entries, in key order. */
export class BoltReader {
  private readonly fd: number;
  private readonly pageSize: number;
  private readonly root: number;
  private readonly highWater: number;

  constructor(path: string) {
    this.fd = openSync(path, 'r');
    const size = fstatSync(this.fd).size;
    const metas = [0, 1]
      .map((i) => this.readMeta(i * PAGE_SIZE, size))
      .filter((m): m is NonNullable<typeof m> => m !== undefined)
      .sort((a, b) => (a.txid > b.txid ? -1 : 1));
    const meta = metas[0];
    if (meta === undefined) {
      closeSync(this.fd);
      throw new Error(`${path} is not a bbolt database (no valid meta page)`);
    }
    this.pageSize = meta.pageSize;
    this.root = meta.root;
    this.highWater = meta.pgid;
  }

  /** Total size as bbolt reports it (high-water page count times page size). */
  get size(): number {
    return this.highWater * this.pageSize;
  }

  /** Names of the buckets in the root bucket. */
  bucketNames(): string[] {
    return [...this.walk(this.root)].filter((e) => e.flags & BUCKET_LEAF).map((e) => e.key.toString());
  }

  /** Entries of a top-level bucket, in key order; empty if there is no such bucket. */
  *bucket(name: string): Generator<Entry> {
    for (const e of this.walk(this.root)) {
      if (!(e.flags & BUCKET_LEAF) || e.key.toString() !== name) continue;
      const root = Number(e.value.readBigUInt64LE(0));
      if (root === 0) yield* this.walkPage(e.value.subarray(16));
      else for (const x of this.walk(root)) if (!(x.flags & BUCKET_LEAF)) yield x;
      return;
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  private readMeta(offset: number, fileSize: number): { pageSize: number; root: number; pgid: number; txid: bigint } | undefined {
    if (offset + PAGE_SIZE > fileSize) return undefined;
    const p = Buffer.alloc(HEADER + 64);
    readSync(this.fd, p, 0, p.length, offset);
    const m = HEADER;
    if (p.readUInt32LE(m) !== MAGIC || p.readUInt32LE(m + 4) !== VERSION) return undefined;
    if (p.readBigUInt64LE(m + 56) !== fnv1a64(p.subarray(m, m + 56))) return undefined;
    return { pageSize: p.readUInt32LE(m + 8), root: Number(p.readBigUInt64LE(m + 16)), pgid: Number(p.readBigUInt64LE(m + 40)), txid: p.readBigUInt64LE(m + 48) };
  }

  private readPage(id: number): Buffer {
    if (id < 2 || id >= this.highWater) throw new Error(`bbolt: page ${id} out of bounds`);
    const head = Buffer.alloc(HEADER);
    readSync(this.fd, head, 0, HEADER, id * this.pageSize);
    const pages = 1 + head.readUInt32LE(12);
    const p = Buffer.alloc(pages * this.pageSize);
    readSync(this.fd, p, 0, p.length, id * this.pageSize);
    return p;
  }

  private *walk(id: number): Generator<Entry & { flags: number }> {
    yield* this.walkPage(this.readPage(id));
  }

  private *walkPage(p: Buffer): Generator<Entry & { flags: number }> {
    const flags = p.readUInt16LE(8);
    const count = p.readUInt16LE(10);
    for (let i = 0; i < count; i++) {
      const el = HEADER + i * ELEMENT;
      if (flags & BRANCH_PAGE) {
        yield* this.walk(Number(p.readBigUInt64LE(el + 8)));
      } else if (flags & LEAF_PAGE) {
        const pos = el + p.readUInt32LE(el + 4);
        const ksize = p.readUInt32LE(el + 8);
        const vsize = p.readUInt32LE(el + 12);
        yield { flags: p.readUInt32LE(el), key: p.subarray(pos, pos + ksize), value: p.subarray(pos + ksize, pos + ksize + vsize) };
      } else {
        throw new Error(`bbolt: unexpected page type ${flags}`);
      }
    }
  }
}
