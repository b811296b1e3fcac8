#!/usr/bin/env bash
# Step 2: website configuration, the two pages, and the endpoint as an output.
set -euo pipefail
cat >> main.tf <<'HCL'

resource "aws_s3_bucket_website_configuration" "site" {
  bucket = aws_s3_bucket.site.id

  index_document {
    suffix = "index.html"
  }

  error_document {
    key = "error.html"
  }
}

resource "aws_s3_object" "page" {
  for_each = toset(["index.html", "error.html"])

  bucket       = aws_s3_bucket.site.id
  key          = each.value
  source       = "${path.module}/site/${each.value}"
  etag         = filemd5("${path.module}/site/${each.value}")
  content_type = "text/html"
}

output "website_endpoint" {
  value = aws_s3_bucket_website_configuration.site.website_endpoint
}
HCL
"$TF" apply -auto-approve -input=false -no-color
