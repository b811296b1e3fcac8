#!/usr/bin/env bash
# Step 6: nothing to change; prove it.
set -euo pipefail
"$TF" plan -detailed-exitcode -input=false -no-color
