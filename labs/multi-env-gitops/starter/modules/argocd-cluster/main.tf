# Registers one cluster with Argo CD: a Secret labelled argocd.argoproj.io/secret-type=cluster in
# the management cluster's argocd namespace (Argo CD's declarative way to add a cluster, the same
# object `argocd cluster add` writes). Its labels are what ApplicationSet cluster generators select.
#
# The Secret is applied with kubectl by a terraform_data resource: when its content changes the
# resource is replaced, new before old (create_before_destroy), so Argo CD never sees the cluster
# disappear (an ApplicationSet would delete the Applications of a cluster that vanished). The old
# instance's destroy-time provisioner deletes the Secret only if it still holds the old content.

locals {
  secret_name = "cluster-${var.name}"
  secret = {
    apiVersion = "v1"
    kind       = "Secret"
    type       = "Opaque"
    metadata = {
      name      = local.secret_name
      namespace = var.argocd_namespace
      labels    = merge(var.labels, { "argocd.argoproj.io/secret-type" = "cluster" })
    }
    stringData = {
      name   = var.name
      server = var.server
      config = jsonencode({
        tlsClientConfig = {
          caData   = var.ca_data
          certData = var.client_certificate_data
          keyData  = var.client_key_data
        }
      })
    }
  }
  content_sha = sha256(jsonencode(local.secret))
}

resource "terraform_data" "secret" {
  triggers_replace = local.content_sha

  input = {
    name       = local.secret_name
    namespace  = var.argocd_namespace
    kubeconfig = var.mgmt_kubeconfig
    sha        = local.content_sha
  }

  lifecycle {
    create_before_destroy = true
  }

  provisioner "local-exec" {
    environment = {
      KUBECONFIG = var.mgmt_kubeconfig
      SECRET = jsonencode(merge(local.secret, {
        metadata = merge(local.secret.metadata, { annotations = { "gitops-dojo.dev/content-sha" = local.content_sha } })
      }))
    }
    command = "printf '%s' \"$SECRET\" | kubectl apply -f -"
  }

  provisioner "local-exec" {
    when = destroy
    environment = {
      KUBECONFIG = self.input.kubeconfig
      NAME       = self.input.name
      NS         = self.input.namespace
      SHA        = self.input.sha
    }
    # Only the Secret this instance wrote: after an update the newer instance owns it.
    command = <<-EOT
      current=$(kubectl -n "$NS" get secret "$NAME" -o jsonpath='{.metadata.annotations.gitops-dojo\.dev/content-sha}' 2>/dev/null || true)
      if [ "$current" = "$SHA" ]; then kubectl -n "$NS" delete secret "$NAME" --ignore-not-found; fi
    EOT
  }
}
