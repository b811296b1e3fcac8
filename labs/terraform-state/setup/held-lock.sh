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
set +m
for _ in $(seq 1 300); do
  grep -q "ci_schema_migration: Creating" "$ci/apply.log" 2>/dev/null && break
  sleep 0.1
done
if ! grep -q "ci_schema_migration: Creating" "$ci/apply.log"; then
  kill -9 -- "-$pid" 2>/dev/null || true
  echo "the simulated CI apply never started; its log:" >&2
  cat "$ci/apply.log" >&2
  exit 1
fi
kill -9 -- "-$pid"
wait "$pid" 2>/dev/null || true
echo "CI job 4711 was killed mid-apply. Its lock is still held."
