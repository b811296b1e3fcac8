#!/usr/bin/env bash
# Step 6: revert the bad merge through a pull request (history kept, the pipeline judges the revert).
set -euo pipefail
git fetch -q origin
git switch -q -C revert-payments-pods origin/main
bad=$(git log origin/main --format=%H --grep="payments: 2 pods" -n 1)
test -n "$bad" || { echo "the bad change is not on main: stage it first" >&2; exit 1; }
git -c user.name="Alex Kim" -c user.email=alex@northwind.example revert --no-edit "$bad" >/dev/null
git commit -q --amend -m "Revert \"payments: 2 pods\": the ledger jobs cannot start" 
bin/pr open "Revert: payments back to 20 pods"
bin/pr wait
bin/pr merge --wait
