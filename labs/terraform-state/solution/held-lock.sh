#!/usr/bin/env bash
# Step 4: read the lock ID from the error a plan prints, then release exactly that lock.
set -euo pipefail
out=$("$TF" plan -lock-timeout=0s -input=false -no-color 2>&1 || true)
id=$(printf '%s\n' "$out" | sed -n 's/^[│ ]*ID:[[:space:]]*\([^[:space:]]*\).*/\1/p' | head -1)
if [ -z "$id" ]; then
  echo "expected a held lock with an ID in the plan output, found none:" >&2
  printf '%s\n' "$out" >&2
  exit 1
fi
"$TF" force-unlock -force "$id"
