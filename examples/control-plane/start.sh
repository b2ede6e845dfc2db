#!/usr/bin/env bash
# A whole control plane on loopback: kite apiserver (embedded store), Kubernetes'
# kube-controller-manager and kube-scheduler 1.26, and a node agent standing in for
# two kubelets. Then a Deployment becomes scheduled, running Pods:
#
#   examples/control-plane/start.sh
#   export KUBECONFIG=/tmp/kite-control-plane/kite/kubeconfig
#   kubectl create deployment web --image=nginx --replicas=3
#   kubectl get pods -o wide        # bound to node-a and node-b, Running
#
# Needs kube-controller-manager and kube-scheduler on PATH (../shared/bin/install-kube
# unpacks them) and a built Kite (npm run build). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${KITE_CONTROL_PLANE_DIR:-/tmp/kite-control-plane}
port=${KITE_PORT:-8080}
mkdir -p "$dir"
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

# Kite runs its own garbage collector, namespace and serviceaccount controllers;
# kube-controller-manager runs the workload controllers.
node dist/bin/kite.js apiserver --data-dir "$dir/kite" --port "$port" --embedded-store-url none --log-level warn &
pids+=($!)
# Kite serves https with the certificates it generates in $dir/kite/pki; every component uses the
# kubeconfig it writes (its CA, and the kite-admin client certificate in system:masters).
pki="$dir/kite/pki"
for _ in $(seq 1 100); do
  [ -f "$pki/admin.key" ] && curl -sf --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "https://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.2
done
kubeconfig="$dir/kite/kubeconfig"

cat > "$dir/scheduler.yaml" <<SC
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection: {kubeconfig: $kubeconfig, contentType: application/json}
leaderElection: {leaderElect: true}
SC

kube-controller-manager --kubeconfig="$kubeconfig" --controllers=deployment,replicaset,statefulset,daemonset,job,cronjob \
  --leader-elect=true --use-service-account-credentials=false --kube-api-content-type=application/json \
  --bind-address=127.0.0.1 --secure-port=10257 --cert-dir="$dir/kcm" --authentication-skip-lookup=true >"$dir/kcm.log" 2>&1 &
pids+=($!)
kube-scheduler --config="$dir/scheduler.yaml" --bind-address=127.0.0.1 --secure-port=10259 --cert-dir="$dir/scheduler" \
  --authentication-skip-lookup=true >"$dir/scheduler.log" 2>&1 &
pids+=($!)
node --import tsx examples/control-plane/node-agent.ts "$kubeconfig" node-a node-b &
pids+=($!)

echo "control plane up: export KUBECONFIG=$dir/kite/kubeconfig (logs in $dir)"
wait
