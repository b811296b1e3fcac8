#!/usr/bin/env bash
# Step 8: promote by commit, then a person syncs prod (no automated sync, a deny window).
set -euo pipefail
sed -i 's/newTag: .*/newTag: 6.7.1/' apps/payments-api/overlays/prod/kustomization.yaml
git -c user.name="Dojo Solution" -c user.email=solution@dojo.local commit -q -am "Promote payments-api 6.7.1 to prod"
git push -q origin main
rev=$(git rev-parse HEAD)
kubectl -n argocd wait application/payments-api-prod --for=jsonpath='{.status.sync.revision}'="$rev" --timeout=120s
argocd app diff payments-api-prod || true # exit 1 means "there are differences"
argocd app sync payments-api-prod --timeout 180
argocd app wait payments-api-prod --health --timeout 180
kubectl --context prod -n payments-prod rollout status deployment/payments-api --timeout=120s
