variable "name" {
  description = "The environment, and the cluster's name: dev, staging, prod."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,20}$", var.name))
    error_message = "Use lower-case letters, digits and dashes, starting with a letter (e.g. \"staging\")."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes minor version. Changing it replaces the cluster."
  type        = string
  default     = "1.37"
  validation {
    condition     = var.kubernetes_version == "1.37"
    error_message = "The sandbox builds Kubernetes 1.37 only (process provider, and the pinned kind node image is close to it)."
  }
}

variable "namespace" {
  description = "The application team's namespace in this cluster."
  type        = string
}

variable "quota" {
  description = "The namespace's ResourceQuota: total CPU and memory requests, memory limits, pod count."
  type = object({
    cpu          = string
    memory       = string
    memory_limit = string
    pods         = number
  })
}

variable "dojo_command" {
  description = "The sandbox's cluster command (TF_VAR_dojo_command in the lab terminal)."
  type        = string
}

variable "kubeconfig_dir" {
  description = "Where kubeconfigs are written (outside the repository: they hold credentials)."
  type        = string
}
