#!/usr/bin/env bash
# Wrong answer: the state is migrated, but into a bucket that keeps no versions, so a bad write can
# never be rolled back (step 5 depends on those versions).
set -euo pipefail
aws s3api create-bucket --bucket dojo-tfstate >/dev/null
cat > backend.tf <<'HCL'
terraform {
  backend "s3" {
    bucket         = "dojo-tfstate"
    key            = "platform/network.tfstate"
    region         = "us-east-1"
    use_path_style = true
  }
}
HCL
"$TF" init -migrate-state -force-copy -input=false -no-color
rm -f terraform.tfstate terraform.tfstate.backup
