// Which versions a member reports. Kite speaks etcd's v3 API at etcd 3.4's level: that is the
// version clients check for features (Status.version, /version's etcdserver, endpoint status),
// and the cluster version is 3.4.0 as etcd 3.4 reports it. Kite's own release is reported
// beside them (/version's kite, `kite store --version`), never in their place.

/** Kite's own version (package.json's; a test keeps them equal). */
export const KITE_VERSION = '0.1.0';

/** The etcd API version Kite implements. */
export const ETCD_API_VERSION = '3.4.0';

/** The cluster version every Kite cluster reports, as an etcd 3.4 cluster does. */
export const ETCD_CLUSTER_VERSION = '3.4.0';

/** What `kite store --version` prints, in the shape of `etcd --version`. */
export function versionText(): string {
  return [
    `kite Version: ${KITE_VERSION}`,
    `etcd API Version: ${ETCD_API_VERSION}`,
    `Node Version: ${process.version}`,
    `Node OS/Arch: ${process.platform}/${process.arch}`,
  ].join('\n');
}
