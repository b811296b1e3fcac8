# Every requests/<team>/bucket-<name>.yaml becomes one module instance, keyed by the bucket's name.
locals {
  bucket_files = fileset("${path.module}/../requests", "*/bucket-*.yaml")
  buckets = {
    for f in local.bucket_files :
    yamldecode(file("${path.module}/../requests/${f}")).name => yamldecode(file("${path.module}/../requests/${f}"))
  }
}

module "bucket" {
  source   = "./modules/team-bucket"
  for_each = local.buckets

  name        = each.value.name
  team        = each.value.team
  environment = each.value.environment
  owner       = each.value.owner
  cost_center = each.value.costCenter
  versioning  = try(each.value.versioning, false)
  public      = try(each.value.public, false)
}

output "buckets" {
  value = { for k, m in module.bucket : k => m.arn }
}
