#!/usr/bin/env bash
# Plausible: fix the number the first message names and forget the LimitRange.
set -euo pipefail
git switch -q payments-namespace
sed -i.bak 's/cpu: "16"/cpu: "4"/' requests/payments/namespace.yaml && rm -f requests/payments/namespace.yaml.bak
git commit -q -am "payments: 4 CPUs"
bin/pr open "Namespace for team payments"
bin/pr wait
