#!/usr/bin/env bash
# The incident: a hotfix branch was applied by mistake. It changed the VPC CIDR and rotated the DNS
# zone (replacing it). We apply that change for real, from a copy of this workspace, so the state
# in the bucket moves to a bad version while your configuration stays correct.
set -euo pipefail
TF=${TF:-$(command -v tofu || command -v terraform)}
hotfix=$(mktemp -d "${TMPDIR:-/tmp}/hotfix.XXXXXX")
trap 'rm -rf "$hotfix"' EXIT
cp ./*.tf "$hotfix"/
cp -R .terraform "$hotfix"/
cp .terraform.lock.hcl "$hotfix"/ 2>/dev/null || true
cat > "$hotfix/hotfix_override.tf" <<'HCL'
resource "terraform_data" "vpc" {
  input = {
    name = "platform-core"
    cidr = "10.99.0.0/16"
  }
}

resource "terraform_data" "dns_zone" {
  triggers_replace = "rotated-by-hotfix"
}
HCL
(cd "$hotfix" && "$TF" apply -auto-approve -input=false -no-color >/dev/null)
echo "The hotfix was applied: the VPC CIDR is now 10.99.0.0/16 and the DNS zone was replaced."
