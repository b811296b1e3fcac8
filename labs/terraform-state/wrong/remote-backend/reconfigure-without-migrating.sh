#!/usr/bin/env bash
# Wrong answer: the backend block is right, but init is answered "no" when it offers to copy the
# existing state: the bucket holds no state with the five resources (the next apply would try to
# create them all again).
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
printf 'no\n' | "$TF" init -no-color
