terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # The platform's state: one object, locked by an S3 lockfile while a plan or apply runs. Only the
  # pipeline applies; a plan from a laptop waits for (or fails on) the pipeline's lock.
  backend "s3" {
    bucket         = "northwind-platform-tfstate"
    key            = "infra-requests/terraform.tfstate"
    region         = "us-east-1"
    use_path_style = true
    use_lockfile   = true
  }
}

# Credentials and endpoints come from dojo_override.tf, written by the pipeline (and by GitOps Dojo
# in your workspace): it points this provider at the sandbox's AWS emulator.
provider "aws" {
  region = "us-east-1"
}
