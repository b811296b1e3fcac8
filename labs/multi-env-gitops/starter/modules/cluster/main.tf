# A Kubernetes cluster for one environment, made by the sandbox's cluster command.
#
# No Terraform registry provider can create a cluster on this machine (CI has no registry at all),
# so this module wraps the command the sandbox ships, the way many teams wrap a CLI they trust:
# a terraform_data resource whose create-time provisioner runs `dojo cluster create` and whose
# destroy-time provisioner runs `dojo cluster delete`. Terraform still owns the lifecycle: the
# cluster is in state, `plan` shows what would change, `destroy` removes it.
#
# What each kind of change does:
#   name, kubernetes_version  -> in triggers_replace: a new cluster (destroy, then create)
#   namespace, quota          -> applied in place to the running cluster (guardrails below)
#
# With Docker the command makes a kind cluster (`dojo-<name>`); without, a cluster of local
# processes in DOJO_HOME/clusters/<name>. Either way this module reads back what it made: the API
# server, and the credentials Argo CD needs, from the cluster's own kubeconfig.

terraform {
  required_providers {
    local = {
      source  = "hashicorp/local"
      version = "~> 2.5"
    }
  }
}

locals {
  info_file = "${var.kubeconfig_dir}/${var.name}.cluster.json"
}

resource "terraform_data" "cluster" {
  # Changing any of these makes a new cluster: its API server, certificates and data are new.
  triggers_replace = {
    name               = var.name
    kubernetes_version = var.kubernetes_version
  }

  # What the destroy-time provisioner needs (it may only read self).
  input = {
    name      = var.name
    dojo      = var.dojo_command
    info_file = local.info_file
  }

  provisioner "local-exec" {
    command = "mkdir -p '${var.kubeconfig_dir}' && '${var.dojo_command}' cluster create '${var.name}' --label lab=multi-env-gitops --label env='${var.name}' --json > '${local.info_file}'"
  }

  provisioner "local-exec" {
    when    = destroy
    command = "'${self.input.dojo}' cluster delete '${self.input.name}' && rm -f '${self.input.info_file}'"
  }
}

# What `dojo cluster create --json` printed: { name, provider, server, kubeconfig, ... }.
data "local_file" "info" {
  filename   = local.info_file
  depends_on = [terraform_data.cluster]
}

data "local_sensitive_file" "admin_kubeconfig" {
  filename = local.info.kubeconfig
}

locals {
  info  = jsondecode(data.local_file.info.content)
  admin = yamldecode(data.local_sensitive_file.admin_kubeconfig.content)

  # With kind, Argo CD runs in a container of the management cluster: it reaches this cluster by
  # its container name on the kind network, not by the 127.0.0.1 port published to this machine.
  argocd_server = local.info.provider == "kind" ? "https://${local.info.name}-control-plane:6443" : local.info.server
}

# A kubeconfig whose context is the environment's name: `kubectl --context staging ...`.
resource "local_sensitive_file" "kubeconfig" {
  filename        = "${var.kubeconfig_dir}/${var.name}.kubeconfig"
  file_permission = "0600"
  content = yamlencode({
    apiVersion = "v1"
    kind       = "Config"
    clusters = [{
      name    = var.name
      cluster = { server = local.info.server, "certificate-authority-data" = local.admin.clusters[0].cluster["certificate-authority-data"] }
    }]
    users = [{
      name = var.name
      user = local.admin.users[0].user
    }]
    contexts = [{
      name    = var.name
      context = { cluster = var.name, user = var.name, namespace = var.namespace }
    }]
    current-context = var.name
  })
}

# Guardrails that come with the cluster, not with the application: the team's namespace and its
# quota. Changing the quota re-applies it in place; the cluster stays.
resource "terraform_data" "guardrails" {
  triggers_replace = {
    cluster   = terraform_data.cluster.id
    namespace = var.namespace
    quota     = var.quota
  }

  provisioner "local-exec" {
    environment = {
      KUBECONFIG = local_sensitive_file.kubeconfig.filename
      MANIFEST = jsonencode({
        apiVersion = "v1"
        kind       = "List"
        items = [
          {
            apiVersion = "v1"
            kind       = "Namespace"
            metadata   = { name = var.namespace, labels = { env = var.name } }
          },
          {
            apiVersion = "v1"
            kind       = "ResourceQuota"
            metadata   = { name = "team-quota", namespace = var.namespace }
            spec = {
              hard = {
                "requests.cpu"    = var.quota.cpu
                "requests.memory" = var.quota.memory
                "limits.memory"   = var.quota.memory_limit
                pods              = tostring(var.quota.pods)
              }
            }
          },
        ]
      })
    }
    command = "printf '%s' \"$MANIFEST\" | kubectl apply -f -"
  }
}
