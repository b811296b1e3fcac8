#!/usr/bin/env bash
# Wrong answer: "unblock" by deleting the lock and the state object by hand, then applying again.
# Plans work afterwards, but the state is a new one (new lineage, serial back to the start) and
# every resource was created again with new ids.
set -euo pipefail
bucket=dojo-tfstate
key=platform/network.tfstate
aws s3 rm "s3://$bucket/$key.tflock" >/dev/null 2>&1 || true
if aws dynamodb describe-table --table-name dojo-locks >/dev/null 2>&1; then
  aws dynamodb delete-item --table-name dojo-locks --key "{\"LockID\":{\"S\":\"$bucket/$key\"}}"
  aws dynamodb delete-item --table-name dojo-locks --key "{\"LockID\":{\"S\":\"$bucket/$key-md5\"}}"
fi
aws s3 rm "s3://$bucket/$key" >/dev/null
"$TF" apply -auto-approve -input=false -no-color
