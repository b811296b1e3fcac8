output "name" {
  description = "The cluster's name, also its kubeconfig context."
  value       = var.name
}

output "api_server" {
  description = "The API server as this machine reaches it."
  value       = local.info.server
}

output "argocd_server" {
  description = "The API server as Argo CD (in the management cluster) reaches it."
  value       = local.argocd_server
}

output "kubeconfig" {
  description = "Path of a kubeconfig whose context is this environment."
  value       = local_sensitive_file.kubeconfig.filename
}

output "ca_data" {
  description = "The cluster CA (base64 PEM)."
  value       = local.admin.clusters[0].cluster["certificate-authority-data"]
  sensitive   = true
}

output "client_certificate_data" {
  description = "An admin client certificate (base64 PEM)."
  value       = local.admin.users[0].user["client-certificate-data"]
  sensitive   = true
}

output "client_key_data" {
  description = "Its private key (base64 PEM)."
  value       = local.admin.users[0].user["client-key-data"]
  sensitive   = true
}

output "provider" {
  description = "kind (Docker) or process (local processes)."
  value       = local.info.provider
}
