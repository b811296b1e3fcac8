#!/usr/bin/env bash
# Wrong answer: re-apply the (correct) configuration over the bad state. The CIDR comes back, but
# the DNS zone the hotfix replaced is replaced once more: a new id, not the original one.
set -euo pipefail
"$TF" apply -auto-approve -input=false -no-color
