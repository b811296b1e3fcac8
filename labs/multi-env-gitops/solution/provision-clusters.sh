#!/usr/bin/env bash
# Step 1: the root module makes one cluster per environment with for_each over a map of
# per-environment settings; outputs give each API server and kubeconfig.
set -euo pipefail
cat > main.tf <<'HCL'
# The platform's environments: one Kubernetes cluster each, provisioned by ./modules/cluster.
module "cluster" {
  source   = "./modules/cluster"
  for_each = var.environments

  name           = each.key
  namespace      = "payments-${each.key}"
  quota          = each.value.quota
  dojo_command   = var.dojo_command
  kubeconfig_dir = var.kubeconfig_dir
}
HCL
cat > environments.tf <<'HCL'
variable "environments" {
  description = "Per-environment settings: the tier (Argo CD syncs prod by hand) and the team's quota."
  type = map(object({
    tier = string
    quota = object({
      cpu          = string
      memory       = string
      memory_limit = string
      pods         = number
    })
  }))
}
HCL
cat > terraform.tfvars <<'HCL'
environments = {
  dev = {
    tier  = "nonprod"
    quota = { cpu = "2", memory = "1Gi", memory_limit = "2Gi", pods = 10 }
  }
  staging = {
    tier  = "nonprod"
    quota = { cpu = "2", memory = "2Gi", memory_limit = "4Gi", pods = 20 }
  }
  prod = {
    tier  = "prod"
    quota = { cpu = "4", memory = "4Gi", memory_limit = "8Gi", pods = 30 }
  }
}
HCL
cat > outputs.tf <<'HCL'
output "api_servers" {
  description = "Each environment's API server, as this machine reaches it."
  value       = { for env, c in module.cluster : env => c.api_server }
}

output "kubeconfigs" {
  description = "Each environment's kubeconfig (its context is the environment's name)."
  value       = { for env, c in module.cluster : env => c.kubeconfig }
}
HCL
"$TF" init -input=false -no-color >/dev/null
"$TF" apply -auto-approve -input=false -no-color
