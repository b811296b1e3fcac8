terraform {
  required_version = ">= 1.6"
  required_providers {
    # Writes kubeconfigs and reads what the cluster command printed. The only provider this lab
    # needs besides Terraform's built-in terraform_data.
    local = {
      source  = "hashicorp/local"
      version = "~> 2.5"
    }
  }
}
