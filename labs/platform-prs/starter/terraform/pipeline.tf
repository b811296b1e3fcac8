# Only the platform pipeline plans and applies this configuration: it passes -var=pipeline_run=<run>,
# and holds the state lock while it works. A plan or apply from a laptop stops here, before it
# touches the state. (A convention a determined person can bypass with -var; in a real account the
# state bucket would also be writable by the pipeline's role only.)
variable "pipeline_run" {
  type        = string
  default     = ""
  description = "The platform pipeline run making this change (set by the pipeline only)."

  validation {
    condition     = length(var.pipeline_run) > 0
    error_message = "Applies run from the platform pipeline only: push a branch and open a pull request; the pipeline plans it, and applies it after the merge."
  }
}
