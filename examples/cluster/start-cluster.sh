#!/usr/bin/env bash
# Starts the three-member Kite cluster of etcd1.env, etcd2.env and etcd3.env on loopback,
# waits until every member is healthy, and prints `member list` and `endpoint status`
# the way the seed docs check an etcd cluster. The members keep running until Ctrl-C,
# or stop at once with --exit.
#
#   examples/cluster/start-cluster.sh [--exit] [work-dir]
#
# Data dirs and logs go under work-dir (default: a new temp dir); the env files'
# ETCD_DATA_DIR, meant for systemd, is replaced by work-dir/<name>.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
exit_after=0
if [ "${1:-}" = "--exit" ]; then exit_after=1; shift; fi
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/kite-cluster-XXXXXX")}
mkdir -p "$work"

if [ ! -f "$root/dist/bin/kite.js" ]; then (cd "$root" && npm run --silent build); fi
if ! command -v etcdctl >/dev/null; then echo "etcdctl not found: apt-get install -y etcd-client" >&2; exit 1; fi
export ETCDCTL_API=3

pids=()
stop() {
  if [ ${#pids[@]} -gt 0 ]; then kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true; fi
}
trap stop EXIT
trap 'exit 130' INT TERM

for i in 1 2 3; do
  (
    set -a
    # shellcheck disable=SC1090
    . "$here/etcd$i.env"
    set +a
    export ETCD_DATA_DIR="$work/etcd$i"
    exec node "$root/dist/bin/kite.js" store
  ) >"$work/etcd$i.log" 2>&1 &
  pids+=($!)
done

endpoints=127.0.0.1:2379,127.0.0.1:22379,127.0.0.1:32379
healthy=0
for _ in $(seq 1 150); do
  if etcdctl --endpoints=$endpoints endpoint health >/dev/null 2>&1; then healthy=1; break; fi
  sleep 0.2
done
if [ $healthy -ne 1 ]; then
  echo "the cluster did not become healthy in 30 s; logs in $work:" >&2
  tail -n 20 "$work"/etcd*.log >&2
  exit 1
fi

# Members publish their client URLs through the log just after the first election.
for _ in $(seq 1 50); do
  if ! etcdctl --endpoints=$endpoints member list 2>/dev/null | grep -q ', , '; then break; fi
  sleep 0.1
done

echo "\$ etcdctl member list"
etcdctl --endpoints=$endpoints member list
echo
echo "\$ etcdctl -w table endpoint status --endpoints=$endpoints"
etcdctl -w table endpoint status --endpoints=$endpoints
echo
echo "data and logs: $work"
if [ $exit_after -eq 1 ]; then exit 0; fi
echo "Ctrl-C stops the cluster."
wait
