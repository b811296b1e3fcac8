#!/usr/bin/env bash
# Step 1: team payments asks for a namespace with 16 CPUs, by pull request; the policies block it.
set -euo pipefail
git fetch -q origin
git switch -q -C payments-namespace origin/main
mkdir -p requests/payments
cat > requests/payments/namespace.yaml <<'YAML'
team: payments
environment: prod
owner: payments-oncall@northwind.example
costCenter: CC-4102
quota:
  cpu: "16"
  memory: 8Gi
  pods: 20
defaults:
  cpu: 250m
  memory: 256Mi
YAML
git add requests/payments/namespace.yaml
git commit -q -m "Namespace for team payments"
bin/pr open "Namespace for team payments" "The ledger jobs need room."
bin/pr wait
