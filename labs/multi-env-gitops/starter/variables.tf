# Set by the lab sandbox in your terminal (TF_VAR_<name>), so nothing machine-specific is committed.

variable "dojo_command" {
  description = "The sandbox's cluster command: creates and deletes clusters (kind with Docker, local processes without)."
  type        = string
}

variable "kubeconfig_dir" {
  description = "Where the cluster module writes one kubeconfig per environment (outside the repository)."
  type        = string
}

variable "mgmt_kubeconfig" {
  description = "The management cluster, where Argo CD runs."
  type        = string
}
