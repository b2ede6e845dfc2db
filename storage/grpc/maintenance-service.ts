import { status as Status, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { StoreServer } from '../server/store-server.js';
import { headerToWire } from './convert.js';
import { unary } from './unary.js';

/** etcd's Maintenance service: Status now; alarms, defragment, hashes and snapshots with issue 3. */
export function maintenanceService(server: StoreServer): UntypedServiceImplementation {
  const notYet = unary(() => {
    throw Object.assign(new Error('not implemented by this Kite member yet'), { code: Status.UNIMPLEMENTED });
  });
  return {
    Status: unary(() => {
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
    }),
    // No alarm can be raised yet (the space quota comes with issue 3): the list is empty.
    Alarm: unary(() => ({ header: headerToWire(server.header()), alarms: [] })),
    Defragment: notYet,
    Hash: notYet,
    HashKV: notYet,
    Snapshot: notYet,
    MoveLeader: notYet,
  };
}
