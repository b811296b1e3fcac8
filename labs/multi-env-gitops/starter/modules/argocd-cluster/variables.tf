variable "name" {
  description = "The cluster's name in Argo CD (an Application's destination.name)."
  type        = string
}

variable "server" {
  description = "The API server URL as Argo CD reaches it."
  type        = string
}

variable "ca_data" {
  description = "The cluster CA (base64 PEM)."
  type        = string
  sensitive   = true
}

variable "client_certificate_data" {
  description = "The client certificate Argo CD presents (base64 PEM)."
  type        = string
  sensitive   = true
}

variable "client_key_data" {
  description = "Its private key (base64 PEM)."
  type        = string
  sensitive   = true
}

variable "labels" {
  description = "Labels on the cluster Secret, for ApplicationSet cluster generators (e.g. env, tier)."
  type        = map(string)
  default     = {}
}

variable "argocd_namespace" {
  description = "Where Argo CD runs in the management cluster."
  type        = string
  default     = "argocd"
}

variable "mgmt_kubeconfig" {
  description = "A kubeconfig for the management cluster (TF_VAR_mgmt_kubeconfig in the lab terminal)."
  type        = string
}
