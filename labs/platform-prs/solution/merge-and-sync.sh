#!/usr/bin/env bash
# Step 3: merge; the pipeline's run on main waits until Argo CD has synced team-payments.
set -euo pipefail
git switch -q payments-namespace
bin/pr merge --wait
git switch -q main && git pull -q --ff-only origin main
