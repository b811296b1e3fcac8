#!/usr/bin/env bash
# Step 3: state locking, then one more apply (NAT gateways per subnet) that takes the lock.
set -euo pipefail
# use_lockfile needs Terraform >= 1.11 or OpenTofu >= 1.10; older binaries get a DynamoDB table.
if "$TF" version -json | grep -Eq '"terraform_version": *"(1\.(1[1-9]|[2-9][0-9])|[2-9])'; then
  lock='use_lockfile   = true'
else
  aws dynamodb create-table --table-name dojo-locks \
    --attribute-definitions AttributeName=LockID,AttributeType=S \
    --key-schema AttributeName=LockID,KeyType=HASH --billing-mode PAY_PER_REQUEST >/dev/null
  lock='dynamodb_table = "dojo-locks"'
fi
cat > backend.tf <<HCL
terraform {
  backend "s3" {
    bucket         = "dojo-tfstate"
    key            = "platform/network.tfstate"
    region         = "us-east-1"
    use_path_style = true
    $lock
  }
}
HCL
cat > nat.tf <<'HCL'
resource "terraform_data" "nat" {
  for_each = terraform_data.subnet

  input = {
    name   = "nat-${each.key}"
    subnet = each.value.output.name
  }
}
HCL
"$TF" init -reconfigure -input=false -no-color
"$TF" apply -auto-approve -input=false -no-color
