// How a member started with --initial-cluster-state=existing learns the cluster it joins:
// it asks the peers named in --initial-cluster for their member list, as etcd's
// GET /members on the peer port.

import { connect } from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { MEMBERS_PATH, peerDialOptions } from '../raft/transport/protocol.js';
import type { TlsMaterial } from '../tls/tls-material.js';
import { ConfigError } from './member-flags.js';
import type { StoredMember } from './member-types.js';

/** What GET /members on a peer port answers. */
export interface ClusterView {
  readonly clusterId: string;
  readonly members: readonly StoredMember[];
}


/**
 * Fetches the member list from the peers in turn. A view that `lists` rejects (a member that
 * has not yet applied the `member add` just acknowledged by the leader) is passed over for
 * another peer's, and the peers are asked again until `timeoutMs` has passed; then the last
 * view is returned for the caller to judge.
 */
export async function fetchClusterMembers(
  peerUrls: readonly string[],
  timeoutMs = 5000,
  tls?: TlsMaterial,
  lists: (view: ClusterView) => boolean = () => true,
): Promise<ClusterView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const errors: string[] = [];
    let passedOver: ClusterView | undefined;
    for (const url of peerUrls) {
      try {
        const view = await fetchFrom(url, Math.max(deadline - Date.now(), 500), tls);
        if (lists(view)) return view;
        passedOver = view;
      } catch (err) {
        errors.push(`${url}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (passedOver === undefined) {
      throw new ConfigError(`could not get the cluster's member list from any peer in --initial-cluster (${errors.join('; ') || 'no peers named'})`);
    }
    if (Date.now() >= deadline) return passedOver;
    await sleep(200);
  }
}

function fetchFrom(url: string, timeoutMs: number, tls: TlsMaterial | undefined): Promise<ClusterView> {
  return new Promise((resolve, reject) => {
    const session = connect(url, peerDialOptions(url, tls));
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error('timed out'));
    }, timeoutMs);
    const done = (err: Error | undefined, view?: ClusterView): void => {
      clearTimeout(timer);
      session.close();
      if (err !== undefined) reject(err);
      else resolve(view as ClusterView);
    };
    session.on('error', (err) => done(err));
    const req = session.request({ ':method': 'GET', ':path': MEMBERS_PATH });
    const chunks: Buffer[] = [];
    let status = 0;
    req.on('response', (headers) => (status = Number(headers[':status'])));
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', (err) => done(err));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (status !== 200) return done(new Error(`HTTP ${status}: ${body.trim()}`));
      try {
        done(undefined, JSON.parse(body) as ClusterView);
      } catch (err) {
        done(err as Error);
      }
    });
    req.end();
  });
}
