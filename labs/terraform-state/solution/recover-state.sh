#!/usr/bin/env bash
# Step 5: restore the state version from before the bad apply, with a serial above the current one.
set -euo pipefail
bucket=dojo-tfstate
key=platform/network.tfstate
# Newest first; the newest non-latest version is the one the bad apply replaced.
prev=$(aws s3api list-object-versions --bucket "$bucket" --prefix "$key" \
  --query 'Versions[?Key==`'"$key"'` && IsLatest==`false`] | [0].VersionId' --output text)
aws s3api get-object --bucket "$bucket" --key "$key" --version-id "$prev" previous.tfstate >/dev/null
# The state JSON may be compact or indented; "serial" appears once, at the top level.
current=$("$TF" state pull | grep -o '"serial": *[0-9]*' | head -1 | grep -o '[0-9]*$')
if [ -z "$current" ]; then
  echo "expected a serial in the current state (state pull); found none" >&2
  exit 1
fi
# state push refuses a lower serial (other copies of the state may hold a higher one): go above it.
sed -i.bak "s/\"serial\": *[0-9]*/\"serial\": $((current + 1))/" previous.tfstate
"$TF" state push previous.tfstate
rm -f previous.tfstate previous.tfstate.bak
