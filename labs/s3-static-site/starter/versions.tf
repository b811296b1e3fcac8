terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

# Credentials and endpoints come from dojo_override.tf, which GitOps Dojo writes on every start:
# it points this provider at LocalStack so nothing here can reach a real AWS account.
provider "aws" {
  region = "us-east-1"
}
