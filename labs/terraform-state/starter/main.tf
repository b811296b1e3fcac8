# Network baseline of the platform team.
#
# terraform_data resources are real Terraform resources (ids, plans, state, replacement) from the
# built-in provider, so this lab needs no provider download and no cloud account. Treat them as
# stand-ins for the VPC, subnets and DNS zone a real baseline would hold.

terraform {
  required_version = ">= 1.6.0"
}

locals {
  vpc_cidr = "10.40.0.0/16"
  subnets = {
    a = "10.40.1.0/24"
    b = "10.40.2.0/24"
  }
}

resource "terraform_data" "vpc" {
  input = {
    name = "platform-core"
    cidr = local.vpc_cidr
  }
}

resource "terraform_data" "subnet" {
  for_each = local.subnets

  input = {
    name = "platform-core-${each.key}"
    cidr = each.value
    vpc  = terraform_data.vpc.output.name
  }
}

resource "terraform_data" "dns_zone" {
  input = {
    zone  = "platform.internal"
    owner = "platform-team"
  }
}

output "vpc_cidr" {
  value = terraform_data.vpc.output.cidr
}
