# One team bucket, as the platform builds every bucket. The platform team still has to add
# versioning and default encryption here (see the lab's bucket step).
resource "aws_s3_bucket" "this" {
  bucket = var.name

  tags = {
    team          = var.team
    environment   = var.environment
    owner         = var.owner
    "cost-center" = var.cost_center
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = !var.public
  block_public_policy     = !var.public
  ignore_public_acls      = !var.public
  restrict_public_buckets = !var.public
}

output "arn" {
  value = aws_s3_bucket.this.arn
}
