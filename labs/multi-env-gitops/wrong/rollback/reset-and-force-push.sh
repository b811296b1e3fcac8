#!/usr/bin/env bash
# Wrong: the bad release is "rolled back" by rewriting history: main is reset to the commit before
# it and force-pushed. Staging recovers, but the history no longer says what happened.
set -euo pipefail
git fetch -q origin main
git reset -q --hard origin/main
bad=$(git log --format=%H --grep='^Raise payments-api memory' -1)
git reset -q --hard "$bad^"
git push -q --force origin main
rev=$(git rev-parse HEAD)
kubectl -n argocd wait application/payments-api-staging --for=jsonpath='{.status.sync.revision}'="$rev" --timeout=120s
kubectl -n argocd wait application/payments-api-staging --for=jsonpath='{.status.health.status}'=Healthy --timeout=180s
