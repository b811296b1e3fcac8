#!/usr/bin/env bash
# Step 5: versioning and encryption in the team-bucket module, a bucket request, merged and applied by the pipeline.
set -euo pipefail
git fetch -q origin
git switch -q -C payments-invoices-bucket origin/main
cat >> terraform/modules/team-bucket/main.tf <<'HCL'

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = var.versioning ? "Enabled" : "Suspended"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}
HCL
cat > requests/payments/bucket-invoices.yaml <<'YAML'
name: payments-invoices
team: payments
environment: prod
owner: payments-oncall@northwind.example
costCenter: CC-4102
versioning: true
public: false
YAML
git add terraform/modules/team-bucket/main.tf requests/payments/bucket-invoices.yaml
git commit -q -m "Bucket payments-invoices; team buckets are versioned and encrypted"
bin/pr open "Bucket for payments invoices"
bin/pr wait
bin/pr merge --wait
