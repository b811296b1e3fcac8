#!/usr/bin/env bash
# Step 9: change staging by hand, twice, and wait for Argo CD to undo each change.
set -euo pipefail
k() { kubectl --context staging -n payments-staging "$@"; }
wait_for() { # <jsonpath> <value>
  for _ in $(seq 1 120); do
    [ "$(k get deployment payments-api -o jsonpath="$1")" = "$2" ] && return 0
    sleep 0.5
  done
  echo "expected $1 to come back to $2 within 60 s" >&2
  return 1
}
k scale deployment payments-api --replicas=5
wait_for '{.spec.replicas}' 2
# A second drift a few seconds later: self-heal handles each as it comes.
sleep 2
k set image deployment/payments-api api=ghcr.io/stefanprodan/podinfo:6.8.0
wait_for '{.spec.template.spec.containers[0].image}' ghcr.io/stefanprodan/podinfo:6.7.1
k rollout status deployment/payments-api --timeout=120s
kubectl -n argocd wait application/payments-api-staging --for=jsonpath='{.status.sync.status}'=Synced --timeout=120s
