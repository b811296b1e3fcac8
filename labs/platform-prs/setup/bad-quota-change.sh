#!/usr/bin/env bash
# The incident: a colleague "tidies" the payments quota to 2 pods; it passes every policy, is merged
# and synced. The ledger jobs can no longer start.
set -euo pipefail
git fetch -q origin
git switch -q -C tidy-payments-quota origin/main
sed -i.bak 's/^  pods: .*/  pods: 2/' requests/payments/namespace.yaml && rm -f requests/payments/namespace.yaml.bak
git add requests/payments/namespace.yaml
git -c user.name="Jordan Lee" -c user.email=jordan@northwind.example commit -q -m "payments: 2 pods (tidy up unused quota)"
bin/pr open "Tidy up the payments quota"
bin/pr wait >/dev/null
bin/pr merge --wait
git switch -q main && git pull -q --ff-only origin main
echo "Merged and synced: team-payments now allows 2 pods. Roll it back, by pull request."
