import { StorageError } from '../errors.js';
import type { StoreServer } from '../server/store-server.js';
import { headerToWire } from './convert.js';
import type { UnaryHandlers } from './unary.js';

/** etcd's Maintenance service: Status now; alarms, defragment, hashes and snapshots with issue 3. */
export function maintenanceHandlers(server: StoreServer): UnaryHandlers {
  const notYet = (): never => {
    throw new StorageError('NotCapable');
  };
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
    // No alarm can be raised yet (the space quota comes with issue 3): the list is empty.
    Alarm: () => ({ header: headerToWire(server.header()), alarms: [] }),
    Defragment: notYet,
    Hash: notYet,
    HashKV: notYet,
    MoveLeader: notYet,
  };
}
