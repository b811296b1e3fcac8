#!/usr/bin/env bash
# Step 2: a versioned state bucket, an s3 backend, and the state migrated into it.
set -euo pipefail
aws s3api create-bucket --bucket dojo-tfstate >/dev/null
aws s3api put-bucket-versioning --bucket dojo-tfstate --versioning-configuration Status=Enabled
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
