#!/usr/bin/env bash
# The incident: a CI job started an apply and its runner was OOM-killed while the apply held the
# state lock. We reproduce it for real: start an apply from a copy of this workspace (same backend,
# same lock), wait until it holds the lock, and kill -9 its whole process group.
set -euo pipefail
TF=${TF:-$(command -v tofu || command -v terraform)}
if [ ! -f .terraform/terraform.tfstate ]; then
  echo "expected an initialised s3 backend (step 2) before staging the held lock; found none" >&2
  exit 1
fi
ci=$(mktemp -d "${TMPDIR:-/tmp}/ci-job-4711.XXXXXX")
trap 'rm -rf "$ci"' EXIT
cp ./*.tf "$ci"/
cp -R .terraform "$ci"/
cp .terraform.lock.hcl "$ci"/ 2>/dev/null || true
cat > "$ci/zz_ci_migration.tf" <<'HCL'
# Only in the CI job's copy: a long step during which the runner dies.
resource "terraform_data" "ci_schema_migration" {
  provisioner "local-exec" {
    command = "sleep 120"
  }
}
HCL
set -m # the apply gets its own process group, so kill -9 reaches its provisioner too
(cd "$ci" && exec "$TF" apply -auto-approve -input=false -no-color >"$ci/apply.log" 2>&1) &
pid=$!
for _ in $(seq 1 300); do
  grep -q "ci_schema_migration: Creating" "$ci/apply.log" 2>/dev/null && break
  sleep 0.1
done
# Job control stays on until the job is collected, and both the kill and the wait report to
# /dev/null: otherwise bash prints "Killed ( cd ... )" for the job, before or after the wait
# depending on timing.
if ! grep -q "ci_schema_migration: Creating" "$ci/apply.log"; then
  { kill -9 -- "-$pid"; wait "$pid"; } 2>/dev/null || true
  set +m
  echo "the simulated CI apply never started; its log:" >&2
  cat "$ci/apply.log" >&2
  exit 1
fi
{ kill -9 -- "-$pid"; wait "$pid"; } 2>/dev/null || true
set +m

# A CI runner applies as its own user on its own host, and CI wrappers record the job in the lock's
# Info. This apply ran as you, here: label the lock the way the real one would read, keeping its ID
# (force-unlock checks only the ID). The lock is an S3 object next to the state (use_lockfile), a
# DynamoDB row (dynamodb_table), or both.
who='ci@runner-07'
info='CI job 4711: apply of main (pipeline platform-network)'
backend=.terraform/terraform.tfstate
setting() { sed -n 's/^ *"'"$1"'": *"\([^"]*\)".*/\1/p' "$backend" | head -1; }
bucket=$(setting bucket)
key=$(setting key)
table=$(setting dynamodb_table)
relabel() { sed -e 's/"Who": *"[^"]*"/"Who":"'"$who"'"/' -e 's/"Info": *"[^"]*"/"Info":"'"$info"'"/'; }
if aws s3api head-object --bucket "$bucket" --key "$key.tflock" >/dev/null 2>&1; then
  aws s3api get-object --bucket "$bucket" --key "$key.tflock" "$ci/lock.json" >/dev/null
  relabel <"$ci/lock.json" >"$ci/lock.relabelled.json"
  aws s3api put-object --bucket "$bucket" --key "$key.tflock" --body "$ci/lock.relabelled.json" >/dev/null
fi
if [ -n "$table" ]; then
  row_key='{"LockID":{"S":"'"$bucket/$key"'"}}'
  lock=$(aws dynamodb get-item --table-name "$table" --key "$row_key" --query Item.Info.S --output text)
  if [ -n "$lock" ] && [ "$lock" != None ]; then
    escaped=$(printf '%s' "$lock" | relabel | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')
    aws dynamodb update-item --table-name "$table" --key "$row_key" --update-expression 'SET Info = :info' \
      --expression-attribute-values '{":info":{"S":"'"$escaped"'"}}' >/dev/null
  fi
fi
echo "CI job 4711 was killed mid-apply on $who. Its lock is still held."
