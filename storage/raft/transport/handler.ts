// The receiving side's router (rafthttp's handlers): every request from a peer is checked
// (POST only, the cluster id and the addressee's member id, refused with 412; a removed
// member's refused with 410 Gone) and goes to the stream reader, the snapshot receiver or
// the pipeline. GET /members is served to anyone.

import { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { TransportContext } from './context.js';
import { serveRequest } from './pipeline.js';
import { HEADER_CLUSTER_ID, HEADER_FROM, HEADER_TO, MEMBERS_PATH, SNAPSHOT_PATH, STREAM_PATH, respondText } from './protocol.js';
import { receiveSnapshot } from './snapshot-receiver.js';
import { receiveStream } from './stream-reader.js';

export class PeerHandler {
  /** Snapshot receptions under way; settled() waits for them to clean up. */
  private readonly receptions = new Set<Promise<void>>();
  /** Remote (member, cluster) pairs whose cluster-id mismatch has been logged. */
  private readonly loggedMismatches = new Set<string>();

  constructor(private readonly ctx: TransportContext) {}

  /** Serves one request stream of an admitted connection. */
  handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const ctx = this.ctx;
    stream.on('error', () => {
      // A peer reset its stream or went away; 'close' follows.
    });
    if (ctx.isClosed) {
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    const path = headers[':path'] ?? '';
    if (headers[':method'] === 'GET' && path === MEMBERS_PATH && ctx.options.membersView !== undefined) {
      stream.respond({ ':status': 200, 'content-type': 'application/json', [HEADER_CLUSTER_ID]: ctx.clusterIdHex });
      stream.end(JSON.stringify(ctx.options.membersView()));
      return;
    }
    if (headers[':method'] !== 'POST') {
      respondText(stream, 405, `peer requests must be POST, not ${String(headers[':method'])}`);
      return;
    }
    if (!this.checkIdentity(stream, headers)) return;
    const from = String(headers[HEADER_FROM]);
    if (ctx.options.isRemoved !== undefined && /^[0-9a-f]{1,16}$/.test(from) && ctx.options.isRemoved(BigInt(`0x${from}`))) {
      respondText(stream, 410, 'the member has been permanently removed from the cluster', 'removed');
      return;
    }
    if (path === STREAM_PATH) receiveStream(ctx, stream, from);
    else if (path === SNAPSHOT_PATH) this.track(receiveSnapshot(ctx, stream, headers, from));
    else void serveRequest(ctx, stream, path, from);
  }

  /** Resolves once every snapshot reception under way has finished. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.receptions]);
  }

  /** Refuses (412) a request for another cluster or member; says whether it may proceed. */
  private checkIdentity(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): boolean {
    const ctx = this.ctx;
    const cluster = headers[HEADER_CLUSTER_ID];
    const from = String(headers[HEADER_FROM] ?? 'unknown');
    if (cluster !== ctx.clusterIdHex) {
      const key = `${from}/${String(cluster)}`;
      if (!this.loggedMismatches.has(key)) {
        if (this.loggedMismatches.size >= 1024) this.loggedMismatches.clear();
        this.loggedMismatches.add(key);
        ctx.log('warn', 'request cluster ID mismatch', {
          'local-member-id': ctx.memberIdHex,
          'local-member-cluster-id': ctx.clusterIdHex,
          'remote-peer-id': from,
          'remote-peer-cluster-id': cluster ?? null,
        });
      }
      respondText(
        stream,
        412,
        `request cluster ID mismatch: member ${ctx.memberIdHex} is in cluster ${ctx.clusterIdHex}, the request from member ${from} is for cluster ${String(cluster ?? 'none')}`,
        'cluster-id-mismatch',
      );
      return false;
    }
    const to = headers[HEADER_TO];
    if (to !== undefined && to !== ctx.memberIdHex) {
      respondText(stream, 412, `member ID mismatch: the request from member ${from} is for member ${String(to)}, this is member ${ctx.memberIdHex}`, 'member-id-mismatch');
      return false;
    }
    return true;
  }

  private track(reception: Promise<void>): void {
    this.receptions.add(reception);
    void reception.finally(() => this.receptions.delete(reception));
  }
}
