#!/usr/bin/env bash
# Step 10: undo the bad release with a revert commit and push it.
set -euo pipefail
git pull -q --no-rebase origin main
bad=$(git log --format=%H --grep='^Raise payments-api memory' -1)
git -c user.name="Dojo Solution" -c user.email=solution@dojo.local revert --no-edit "$bad"
git push -q origin main
rev=$(git rev-parse HEAD)
kubectl -n argocd wait application/payments-api-staging --for=jsonpath='{.status.sync.revision}'="$rev" --timeout=120s
kubectl -n argocd wait application/payments-api-staging --for=jsonpath='{.status.health.status}'=Healthy --timeout=180s
kubectl --context staging -n payments-staging rollout status deployment/payments-api --timeout=120s
