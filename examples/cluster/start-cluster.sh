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

# Every port of the three members must be free: a member that cannot bind exits, and an
# etcd already listening there would otherwise answer the health checks in its place.
for port in 2379 2380 22379 22380 32379 32380; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port on 127.0.0.1 is already in use (another etcd or kite store?); stop it first" >&2
    exit 1
  fi
done

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

# Fails (with that member's log) as soon as one of our own members has exited.
check_alive() {
  for i in 1 2 3; do
    if ! kill -0 "${pids[$((i - 1))]}" 2>/dev/null; then
      echo "member etcd$i exited; its log ($work/etcd$i.log) ends:" >&2
      tail -n 20 "$work/etcd$i.log" >&2
      exit 1
    fi
  done
}

endpoints=127.0.0.1:2379,127.0.0.1:22379,127.0.0.1:32379
healthy=0
for _ in $(seq 1 150); do
  check_alive
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

# The cluster that answered must be ours: every endpoint a member named etcd1..3 with the env
# files' peer URLs, all of one cluster.
check_alive
status=$(etcdctl --endpoints=$endpoints -w json endpoint status)
members=$(etcdctl --endpoints=$endpoints -w json member list)
if ! node -e '
  const [status, members] = [JSON.parse(process.argv[1]), JSON.parse(process.argv[2])];
  const want = { etcd1: "http://127.0.0.1:2380", etcd2: "http://127.0.0.1:22380", etcd3: "http://127.0.0.1:32380" };
  const byId = new Map(members.members.map((m) => [BigInt(m.ID).toString(), m]));
  const clusters = new Set(status.map((s) => String(s.Status.header.cluster_id)));
  const ok = clusters.size === 1 && members.members.length === 3 && status.every((s) => {
    const m = byId.get(BigInt(s.Status.header.member_id).toString());
    return m !== undefined && want[m.name] === m.peerURLs[0];
  });
  process.exit(ok ? 0 : 1);
' "$status" "$members"; then
  echo "the members answering on $endpoints are not this script's etcd1..etcd3:" >&2
  etcdctl --endpoints=$endpoints member list >&2 || true
  exit 1
fi

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
