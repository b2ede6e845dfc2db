import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { isStorageError, StorageError } from '../errors.js';
import { snapshotChunks } from '../snapshot/etcd-snapshot.js';
import type { StoreServer } from '../server/store-server.js';
import { headerToWire } from './convert.js';
import type { StreamCall } from './http2-server.js';
import type { UnaryHandlers } from './unary.js';
import type { CallCredentials } from '../auth/auth-info.js';

/**
 * etcd's authMaintenanceServer: Defragment, Hash, HashKV and Snapshot need the root role
 * once auth is enabled, and their auth errors reach the client as the auth store words
 * them, untranslated (code Unknown, "auth: permission denied").
 */
async function checkMaintenanceAdmin(server: StoreServer, creds: CallCredentials): Promise<void> {
  let caller;
  try {
    caller = await server.callerOf(creds);
  } catch (err) {
    if (isStorageError(err, 'InvalidAuthToken')) throw new StorageError('InvalidAuthToken', { untranslated: true });
    throw err;
  }
  server.auth.store.checkAdmin(caller, { untranslated: true });
}

/** etcd's Maintenance service. */
export function maintenanceHandlers(server: StoreServer): UnaryHandlers {
  return {
    Status: () => {
      const s = server.status();
      return {
        header: headerToWire(s.header),
        version: s.version,
        dbSize: s.dbSize,
        dbSizeInUse: s.dbSizeInUse,
        leader: s.leader.toString(),
        raftIndex: s.raftIndex,
        raftTerm: s.raftTerm,
        raftAppliedIndex: s.raftAppliedIndex,
        errors: [...s.errors],
        isLearner: s.isLearner,
      };
    },
    Alarm: async (req, _size, creds) => {
      await server.callerOf(creds); // an alarm request is a log entry: an invalid token is refused
      const action = req.action ?? 'GET';
      const alarm = req.alarm === 'NOSPACE' || req.alarm === 'CORRUPT' ? req.alarm : undefined;
      const memberId = BigInt((req.memberID as string | undefined) ?? 0);
      if (action !== 'GET') {
        if (alarm === undefined) throw new StorageError('InvalidArgument', { detail: 'alarm type is required' });
        if (memberId !== 0n && memberId !== server.memberId) throw new StorageError('MemberNotFound');
      }
      const alarms = await server.alarm(alarm, action === 'GET' ? undefined : action === 'ACTIVATE');
      return { header: headerToWire(server.header()), alarms: alarms.map((a) => ({ memberID: a.memberId.toString(), alarm: a.alarm })) };
    },
    Defragment: async (_req, _size, creds) => {
      await checkMaintenanceAdmin(server, creds);
      await server.defragment();
      return { header: headerToWire(server.header()) };
    },
    // Hash: over every stored change; HashKV: over the history compaction keeps, up to a revision.
    Hash: async (_req, _size, creds) => {
      await checkMaintenanceAdmin(server, creds);
      return { header: headerToWire(server.header()), hash: server.kv.hashKv(0).hash };
    },
    HashKV: async (req, _size, creds) => {
      await checkMaintenanceAdmin(server, creds);
      const h = server.kv.hashKv(Number(req.revision ?? 0));
      // etcd's store says -1 until its first compaction.
      return { header: headerToWire(server.header()), hash: h.hash, compactRevision: h.compactRevision > 0 ? h.compactRevision : -1 };
    },
    MoveLeader: async (req) => {
      await server.moveLeader(BigInt((req.targetID as string | undefined) ?? 0));
      return { header: headerToWire(server.header()) };
    },
  };
}

/**
 * Snapshot: writes an etcd-format snapshot next to the data, streams it in 32 KiB
 * chunks followed by its SHA-256 (as etcd does), then removes the file.
 */
export function snapshotStream(server: StoreServer): (call: StreamCall) => void {
  return (call) => {
    checkMaintenanceAdmin(server, call.credentials).then(
      () => void sendSnapshot(server, call),
      (err: unknown) => call.fail(err),
    );
  };
}

async function sendSnapshot(server: StoreServer, call: StreamCall): Promise<void> {
  const path = join(server.config.dataDir, `snapshot-${process.pid}-${Date.now()}.tmp`);
  try {
    const revision = await server.snapshot(path);
    const header = headerToWire(server.header(revision));
    const chunks = snapshotChunks(path);
    const pump = (): void => {
      for (;;) {
        if (call.cancelled || call.destroyed) return done();
        const next = chunks.next();
        if (next.done === true) {
          call.end();
          return done();
        }
        const ok = call.write({ header, remainingBytes: next.value.remaining, blob: next.value.blob });
        if (!ok) {
          call.once('drain', pump);
          return;
        }
      }
    };
    const done = (): void => rmSync(path, { force: true });
    call.on('cancelled', done);
    pump();
  } catch (err) {
    rmSync(path, { force: true });
    call.fail(err);
  }
}
