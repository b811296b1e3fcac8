#!/usr/bin/env bash
# Step 7: the same change, one environment further.
set -euo pipefail
sed -i 's/newTag: .*/newTag: 6.7.1/' apps/payments-api/overlays/staging/kustomization.yaml
git -c user.name="Dojo Solution" -c user.email=solution@dojo.local commit -q -am "Promote payments-api 6.7.1 to staging"
git push -q origin main
rev=$(git rev-parse HEAD)
kubectl -n argocd wait application/payments-api-staging --for=jsonpath='{.status.sync.revision}'="$rev" --timeout=120s
kubectl -n argocd wait application/payments-api-staging --for=jsonpath='{.status.sync.status}'=Synced --timeout=120s
kubectl -n argocd wait application/payments-api-staging --for=jsonpath='{.status.health.status}'=Healthy --timeout=120s
kubectl --context staging -n payments-staging rollout status deployment/payments-api --timeout=120s
