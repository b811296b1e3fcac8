#!/usr/bin/env bash
# Step 6: the release is a one-line change in dev's overlay, committed and pushed.
set -euo pipefail
sed -i 's/newTag: .*/newTag: 6.7.1/' apps/payments-api/overlays/dev/kustomization.yaml
git -c user.name="Dojo Solution" -c user.email=solution@dojo.local commit -q -am "Promote payments-api 6.7.1 to dev"
git push -q origin main
rev=$(git rev-parse HEAD)
kubectl -n argocd wait application/payments-api-dev --for=jsonpath='{.status.sync.revision}'="$rev" --timeout=120s
kubectl -n argocd wait application/payments-api-dev --for=jsonpath='{.status.sync.status}'=Synced --timeout=120s
kubectl -n argocd wait application/payments-api-dev --for=jsonpath='{.status.health.status}'=Healthy --timeout=120s
kubectl --context dev -n payments-dev rollout status deployment/payments-api --timeout=120s
