output "secret" {
  description = "The cluster Secret in the management cluster (namespace/name)."
  value       = "${var.argocd_namespace}/${local.secret_name}"
}
