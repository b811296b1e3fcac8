#!/usr/bin/env bash
# Step 1: the bucket, created by Terraform on LocalStack.
set -euo pipefail
cat > main.tf <<'HCL'
resource "aws_s3_bucket" "site" {
  bucket = "team-site"

  tags = {
    team = "web"
  }
}
HCL
"$TF" init -input=false -no-color
"$TF" apply -auto-approve -input=false -no-color
