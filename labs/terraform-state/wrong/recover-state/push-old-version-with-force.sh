#!/usr/bin/env bash
# Wrong answer: restore the previous version with `state push -force`, keeping its old serial.
# The resources are right, but the serial went backwards: any other copy of the state (a CI cache,
# a colleague's) now looks newer and can overwrite the recovery.
set -euo pipefail
bucket=dojo-tfstate
key=platform/network.tfstate
prev=$(aws s3api list-object-versions --bucket "$bucket" --prefix "$key" \
  --query 'Versions[?Key==`'"$key"'` && IsLatest==`false`] | [0].VersionId' --output text)
aws s3api get-object --bucket "$bucket" --key "$key" --version-id "$prev" previous.tfstate >/dev/null
"$TF" state push -force previous.tfstate
rm -f previous.tfstate
