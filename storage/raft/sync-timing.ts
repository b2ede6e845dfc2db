/** Told how long one durable sync of the Raft log took, in seconds. */
export type SyncObserver = (seconds: number) => void;

/**
 * A Raft log storage that times its durable syncs (the member reports them as
 * etcd_disk_wal_fsync_duration_seconds). Every log storage the member can run on
 * implements it: today's lmdb log, and a write-ahead log, which times its fdatasync.
 */
export interface SyncTimed {
  /** Has observer told the duration of each sync from now on (one observer; a later call replaces it). */
  observeSyncs(observer: SyncObserver): void;
}
