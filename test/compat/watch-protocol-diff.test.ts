import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdGrpcClient, type WireMessage } from '../../storage/client/etcd-grpc-client.js';
import { onEtcdAndKite, type StoreProcess } from '../helpers/processes.js';

/**
 * The Watch protocol spoken directly, against etcd 3.4 and kite store: filters,
 * client-chosen and server-chosen watch ids, a duplicate id, cancel, a progress
 * request, a watch from a compacted revision, fragments, events after the client is
 * done sending. The response streams
 * must be equal (ids and terms are equal too: same flags, same ports).
 */
const b = (s: string) => Buffer.from(s);

function show(res: WireMessage): string {
  const h = res.header as WireMessage;
  const events = ((res.events as WireMessage[] | undefined) ?? []).map((e) => {
    const kv = e.kv as WireMessage;
    const prev = e.prevKv as WireMessage | null | undefined;
    return `${String(e.type)} ${(kv.key as Buffer).toString()}=${(kv.value as Buffer).toString()}@${String(kv.modRevision)}${prev ? ` prev=${(prev.value as Buffer).toString()}` : ''}`;
  });
  const flags = ['created', 'canceled', 'fragment'].filter((f) => res[f] === true);
  const compact = Number(res.compactRevision ?? 0) > 0 ? ` compact=${String(res.compactRevision)}` : '';
  const reason = res.cancelReason ? ` reason=${String(res.cancelReason)}` : '';
  return `id=${String(res.watchId)} rev=${String(h.revision)} ${flags.join(',')}${compact}${reason} [${events.join('; ')}]`;
}

async function script(endpoint: string): Promise<string[]> {
  const c = new EtcdGrpcClient(endpoint);
  const out: string[] = [];
  const stream = c.watch();
  stream.on('data', (res: WireMessage) => out.push(show(res)));
  stream.on('error', () => undefined);
  const settle = () => new Promise((r) => setTimeout(r, 300));
  try {
    await c.put({ key: b('/p/a'), value: b('1') }); // 2
    await c.put({ key: b('/p/b'), value: b('1') }); // 3
    await c.deleteRange({ key: b('/p/a') }); // 4
    stream.write({ createRequest: { key: b('/p/'), rangeEnd: b('/p0'), startRevision: 2, filters: ['NOPUT'], watchId: 7 } });
    await settle();
    stream.write({ createRequest: { key: b('/p/'), rangeEnd: b('/p0'), startRevision: 2, filters: ['NODELETE'], prevKv: true, watchId: 8 } });
    await settle();
    stream.write({ createRequest: { key: b('/p/b'), watchId: 7 } }); // duplicate id
    await settle();
    stream.write({ createRequest: { key: b('/p/b') } }); // server-chosen id
    await settle();
    await c.put({ key: b('/p/b'), value: b('2') }); // 5
    await settle();
    stream.write({ cancelRequest: { watchId: 8 } });
    await settle();
    await c.put({ key: b('/p/b'), value: b('3') }); // 6
    await settle();
    stream.write({ progressRequest: {} });
    await settle();
    stream.write({ cancelRequest: { watchId: 99 } }); // unknown id: no answer
    await settle();
    await c.compact({ revision: 5 });
    stream.write({ createRequest: { key: b('/p/'), rangeEnd: b('/p0'), startRevision: 3, watchId: 20 } });
    await settle();
    stream.write({ createRequest: { key: b('/p/'), rangeEnd: b('/p0'), startRevision: 5, watchId: 21, fragment: true } });
    await settle();
    stream.end(); // done sending (CloseSend): the watchers go on
    await settle();
    await c.put({ key: b('/p/c'), value: b('after-close-send') }); // 7
    await settle();
    return out;
  } finally {
    stream.cancel();
    c.close();
  }
}

async function run(proc: StoreProcess): Promise<string[]> {
  return await script(proc.endpoint);
}

test('watch protocol: the same requests give the same responses from etcd and kite store', { timeout: 60_000 }, async (t) => {
  const both = await onEtcdAndKite(t, 'wp', run);
  if (both === undefined) return;
  const { etcd, kite } = both;
  if (process.env.KITE_DEBUG) console.log(etcd.join('\n') + '\n---\n' + kite.join('\n'));
  assert.ok(etcd.some((l) => l.includes('DELETE /p/a')), 'sanity: the NOPUT watcher saw the delete');
  assert.ok(etcd.some((l) => l.includes('PUT /p/c=after-close-send')), 'sanity: etcd delivers events after the client is done sending');
  // Each watch id's responses in order; the order between different watchers is not
  // defined (etcd walks its watchers in Go map order).
  const byId = (lines: string[]) => {
    const m = new Map<string, string[]>();
    for (const l of lines) {
      const id = l.split(' ')[0]!;
      m.set(id, [...(m.get(id) ?? []), l]);
    }
    return [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
  };
  assert.deepEqual(byId(kite), byId(etcd));
});
