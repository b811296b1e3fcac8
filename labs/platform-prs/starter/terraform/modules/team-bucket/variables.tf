variable "name" {
  type        = string
  description = "The bucket's name (starts with the team's name)."
}

variable "team" {
  type = string
}

variable "environment" {
  type = string
  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment is dev, staging or prod."
  }
}

variable "owner" {
  type = string
}

variable "cost_center" {
  type = string
}

variable "versioning" {
  type    = bool
  default = false
}

variable "public" {
  type    = bool
  default = false
}
