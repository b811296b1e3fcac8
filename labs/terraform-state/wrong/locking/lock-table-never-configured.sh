#!/usr/bin/env bash
# Wrong answer: the DynamoDB lock table exists and the NAT gateways are applied, but the backend
# block never names the table (nor use_lockfile), so no operation takes a lock.
set -euo pipefail
aws dynamodb create-table --table-name dojo-locks \
  --attribute-definitions AttributeName=LockID,AttributeType=S \
  --key-schema AttributeName=LockID,KeyType=HASH --billing-mode PAY_PER_REQUEST >/dev/null
cat > nat.tf <<'HCL'
resource "terraform_data" "nat" {
  for_each = terraform_data.subnet

  input = {
    name   = "nat-${each.key}"
    subnet = each.value.output.name
  }
}
HCL
"$TF" apply -auto-approve -input=false -no-color
