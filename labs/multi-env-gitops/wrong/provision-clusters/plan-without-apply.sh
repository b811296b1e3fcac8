#!/usr/bin/env bash
# Wrong: the root module is written and planned, but never applied: no cluster exists.
set -euo pipefail
sed -e '/^"\$TF" apply/d' "$(dirname "$0")/../../solution/provision-clusters.sh" > /tmp/plan-only-$$.sh
bash /tmp/plan-only-$$.sh
rm -f /tmp/plan-only-$$.sh
"$TF" plan -input=false -no-color >/dev/null
